let s = { a = 1; b = { c = 2; }; }; in
[ (s.x or 0) (s.a or 0) (s.b.c or 0) (s.b.x or 0) (s.x.y.z or "deep") (s.a.c or "not a set") ({ }.a or null) ]
