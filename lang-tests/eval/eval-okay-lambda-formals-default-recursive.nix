let f = { a ? b, b ? 7 }: a; in f { }
