let s = { __functor = self: n: if n == 0 then 0 else 1 + self (n - 1); }; in s 3333
