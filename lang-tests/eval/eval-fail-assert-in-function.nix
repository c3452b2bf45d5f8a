let f = n: assert builtins.isString n; n; in f 1
