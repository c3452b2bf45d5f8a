builtins.tryEval (builtins.warn "look here" 1)
