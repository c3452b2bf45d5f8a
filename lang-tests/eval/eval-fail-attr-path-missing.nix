{ a = { bar = 1; baz = 2; bx = 3; by = 4; bz = 5; b = 6; qux = 7; }; }
