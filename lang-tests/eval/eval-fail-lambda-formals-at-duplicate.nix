let f = s@{ s ? "formal" }: s; in f { }
