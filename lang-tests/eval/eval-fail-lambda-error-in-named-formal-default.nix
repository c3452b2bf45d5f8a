let g = { a ? 1 + "x" }: a; in g { }
