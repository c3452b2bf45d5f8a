builtins.deepSeq [ 1 (throw "in list") ] "x"
