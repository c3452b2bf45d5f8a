map (x: (builtins.tryEval x).success) [ 1 (throw "a") (assert 1 == 2; 2) "s" ]
