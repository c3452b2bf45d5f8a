let s = { v = 1; __functor = self: x: self // { v = self.v + x; }; }; in ((s 2) 3).v
