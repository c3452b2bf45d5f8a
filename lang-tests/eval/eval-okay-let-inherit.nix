let s = { x = 1; y = 2; }; inherit (s) x y; z = 3; in [ x y z ]
