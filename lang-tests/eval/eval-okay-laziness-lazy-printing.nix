{ a = 1 + 1; b = [ (2 * 3) ]; c = "s"; d = { e = throw "lazy"; }; f = x: x; }
