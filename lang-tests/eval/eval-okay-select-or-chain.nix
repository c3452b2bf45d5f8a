let s = { a = { b = null; }; }; in [ (s.a.b or 1) (s.a.c or s.a.b or 2) (s.x or s.y or "last") ]
