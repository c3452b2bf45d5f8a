f: x: with { or = 1; }; [ (f or) (f or x) ]
