# bindings are bound in the order their names were interned: map before a
let
  a = y;
  map = x;
in
1
