let check = v: assert builtins.isInt v; v; in [ (builtins.tryEval (check 1)) (builtins.tryEval (check "s")) ]
