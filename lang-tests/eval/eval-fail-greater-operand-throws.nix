let f = n: if n > (throw "no bound") then 0 else f (n + 1); in f 0
