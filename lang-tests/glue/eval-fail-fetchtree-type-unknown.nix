builtins.fetchTree { type = "bogus"; }
