# inherit (e) sources are bound before the attributes
let
  a = y;
  inherit (x) b;
in
a
