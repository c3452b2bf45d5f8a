# A pipe into a call adds an argument to that call (C++ Nix's makeCall): `a |> f b` is the
# call `f b a`, whose call site is where `f b` is, not the operator.
let
  f = x: y: y.attr;
in
1 |> f 2
