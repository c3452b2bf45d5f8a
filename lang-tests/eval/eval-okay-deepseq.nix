[ (builtins.deepSeq 1 2) (builtins.deepSeq { a = { b = [ 1 "s" ]; }; } "deep") (builtins.deepSeq [ [ [ ] ] ] "lists") (builtins.deepSeq (x: throw "body not evaluated") "lambda") ]
