builtins.findFile [ { prefix = "x"; } ] "x/y"
