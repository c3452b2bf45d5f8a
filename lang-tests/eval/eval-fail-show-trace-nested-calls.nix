let
  a = x: b x;
  b = x: c x;
  c = x: x + "s";
in
a 1
