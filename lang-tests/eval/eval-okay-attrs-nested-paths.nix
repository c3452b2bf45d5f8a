{ a.b.c = 1; a.b.d = 2; a.e = 3; f.g = { h = 4; }; f.i = 5; }
