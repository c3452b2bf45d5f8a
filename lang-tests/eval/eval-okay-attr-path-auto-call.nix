{ n ? 1 }: { f = { m ? 2 }: { v = n + m; }; g = { __functor = self: { k ? 5 }: { w = k; }; }; }
