let s = { b = 1; }; in { a.c = 2; a = s; }
