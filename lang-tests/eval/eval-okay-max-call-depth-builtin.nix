let f = n: if n == 0 then 0 else builtins.foldl' (a: b: a + f (n - 1)) 0 [ 1 ]; in f 3333
