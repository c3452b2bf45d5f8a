builtins.flakeRefToString { type = "bogus"; }
