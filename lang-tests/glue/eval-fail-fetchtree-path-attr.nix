builtins.fetchTree { type = "path"; path = toString ./src; bogus = 1; }
