let c = b + 1; b = a + 1; a = 1; in c
