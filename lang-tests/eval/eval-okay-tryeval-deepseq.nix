[ (builtins.tryEval (builtins.deepSeq { a.b = throw "deep"; } 1)) (builtins.tryEval (builtins.deepSeq [ 1 [ 2 ] ] "fine")) ]
