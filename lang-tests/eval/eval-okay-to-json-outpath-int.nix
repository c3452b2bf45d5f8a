builtins.toJSON { outPath = 1; }
