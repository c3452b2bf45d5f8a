let f = x: g x; g = y: y.attr; in f { other = 1; }
