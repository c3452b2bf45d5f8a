let f = a: b: c: a + b + c; g = f 1; h = g 2; in [ (h 3) (g 10 20) (f 0 0 0) ]
