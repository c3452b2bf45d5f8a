"a
b
  c"
