let s = { x = 1; }; in { a = s; b = { c = s; }; d = [ s ]; }
