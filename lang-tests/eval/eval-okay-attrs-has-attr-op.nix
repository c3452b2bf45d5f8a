let s = { a = 1; b = { c = 2; }; "d e" = 3; }; k = "a"; in
[ (s ? a) (s ? x) (s ? b.c) (s ? b.x) (s ? a.c) (s ? "d e") (s ? ${k}) (s ? ${"b"}.c) (1 ? a) ("s" ? a) ({ } ? a.b.c) ]
