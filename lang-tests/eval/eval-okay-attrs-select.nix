let s = { a = 1; b.c = 2; "d e" = 3; f = { g = { h = 4; }; }; }; k = "a"; in
[ s.a s.b.c s."d e" s.f.g.h s.${k} s.${"b"}.c s."f".g."h" ]
