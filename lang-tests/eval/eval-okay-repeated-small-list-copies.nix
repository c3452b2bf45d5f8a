# C++ Nix keeps a list of one or two inside the value holding it: a copy of that value (a
# function's result, a selection, seq, head) prints again, though its elements repeat.
let
  id = y: y;
  one = [ 1 ];
  two = [ [ 1 ] [ 2 ] ];
  three = [ 1 2 3 ];
  s = { a = one; };
  result = [
    one
    one
    (id one)
    (builtins.seq 1 one)
    s.a
    s.a
    two
    (builtins.head [ two ])
    three
    (id three)
    [ one [ one ] ]
  ];
in
# forced first: printed lazily, the values show as well
builtins.deepSeq result result
