{ f = { a ? 1, b, ... }@args: a; g = x: x; }
