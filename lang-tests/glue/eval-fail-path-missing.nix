builtins.path { path = ./does-not-exist; }
