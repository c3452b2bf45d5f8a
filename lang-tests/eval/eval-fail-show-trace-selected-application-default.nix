# ... also with a default.
let
  s = builtins.mapAttrs (n: v: if n == "b" then throw "x" else 1) { a = 1; b = 2; };
  t = builtins.mapAttrs (n: value: { inherit value; }) s;
in
builtins.seq s.a (t.b.value or 1)
