{ a = 1 + 1; l = map (x: x) [ 1 ]; }
