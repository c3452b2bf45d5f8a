builtins.genList (i: 10 / i) 3
