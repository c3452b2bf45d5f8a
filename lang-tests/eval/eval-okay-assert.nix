let x = 3; in [ (assert true; "ok") (assert x > 2; x) (assert builtins.isInt x; assert x != 0; "both") ]
