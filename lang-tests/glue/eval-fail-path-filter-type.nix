builtins.path { path = ./src; filter = p: t: 1; }
