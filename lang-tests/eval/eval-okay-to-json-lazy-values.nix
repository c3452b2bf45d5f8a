builtins.toJSON { a = 1 + 1; b = map (x: x * 2) [ 1 2 ]; }
