let s = { x = 1; }; in builtins.seq s { a = s; b = s; }
