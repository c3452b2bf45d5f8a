let s = with s; { a = b; b = 1; }; in s
