{ a = 1; b.c = throw "nested"; }
