let f = { a, b ? 1 }: a; in f { a = 1; c = 2; d = 3; }
