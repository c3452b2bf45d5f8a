rec { s = { x = 1; y = 2; }; inherit (s) x; z = x + s.y; }
