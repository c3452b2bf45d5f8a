let s = with s; { a = b; }; in s.a
