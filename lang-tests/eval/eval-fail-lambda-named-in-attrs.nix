let lib = { fn = { a }: a; }; in lib.fn { }
