builtins.findFile { } "x"
