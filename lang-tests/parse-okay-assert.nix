x: assert x; assert x == 1; x
