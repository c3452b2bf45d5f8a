builtins.path { path = ./src; colour = "blue"; }
