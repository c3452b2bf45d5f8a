# The same value holding a small list, reached again (a variable, an attribute, inherit,
# attrValues, map's argument), repeats; so does a bigger list however it is copied.
let
  x = [ 1 ];
  y = x;
  s = { inherit x; b = x; };
  big = [ 1 2 3 ];
  result = {
    direct = [ x y [ x x ] ];
    values = builtins.attrValues s;
    mapped = map (e: [ e x ]) [ x ];
    selected = [ s.x s.b ];
    big = [ big (builtins.seq 1 big) (builtins.head [ big ]) ];
  };
in
# forced first: printed lazily, the values show as well
builtins.deepSeq result result
