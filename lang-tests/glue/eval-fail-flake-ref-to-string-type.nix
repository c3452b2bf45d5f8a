builtins.flakeRefToString { type = "github"; owner = "a"; repo = "b"; bogus = {}; }
