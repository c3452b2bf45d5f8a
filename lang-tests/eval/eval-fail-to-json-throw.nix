builtins.toJSON { a = 1; b = throw "inside toJSON"; }
