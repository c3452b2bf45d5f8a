let true = false; map = "not a function"; builtins = { x = 1; }; in [ true map builtins.x ]
