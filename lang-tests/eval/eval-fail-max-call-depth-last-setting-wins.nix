let f = n: if n == 0 then 0 else f (n - 1); in f 10
