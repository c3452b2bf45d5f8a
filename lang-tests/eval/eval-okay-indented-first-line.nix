[ ''  same line'' ''x
    y'' ''
    a
  b'' ]
