let f = { a ? throw "not evaluated", b }: b; in f { b = 1; }
