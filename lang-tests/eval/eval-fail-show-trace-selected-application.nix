# Selecting an attribute forces its value at the attribute: a builtin's application found
# there has its call site at the attribute, not at the selection.
let
  s = builtins.mapAttrs (n: v: if n == "b" then throw "x" else 1) { a = 1; b = 2; };
  t = builtins.mapAttrs (n: value: { inherit value; }) s;
in
builtins.seq s.a t.b.value
