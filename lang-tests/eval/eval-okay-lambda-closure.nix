let make = n: { get = _: n; add = m: make (n + m); }; in [ ((make 1).get null) (((make 1).add 41).get null) ]
