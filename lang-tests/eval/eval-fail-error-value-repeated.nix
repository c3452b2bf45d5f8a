let s = { a = 1; }; in builtins.length { x = s; y = s; }
