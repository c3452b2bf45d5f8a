map { __functor = _: x: x * 3; } [ 1 2 3 ]
