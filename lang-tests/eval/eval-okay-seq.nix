[ (builtins.seq 1 2) (builtins.seq { a = throw "x"; } "shallow") (builtins.seq [ (throw "x") ] "shallow list") (builtins.seq (x: x) 3) ]
