let
  f = x: x;
  s = { inherit f; };
in
[ (f == f) ((x: x) == (x: x)) ([ f ] == [ f ]) (s == s) ({ a = f; } == { a = f; }) (builtins.map == builtins.map) ]
