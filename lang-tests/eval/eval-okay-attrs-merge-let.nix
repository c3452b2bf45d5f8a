let s.a = 1; s.b = s.a + 1; in s
