({ a ? throw "default used" }: a) { }
