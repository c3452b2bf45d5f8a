# Through a chain of pipes the trace names each call site: the operators.
let
  check = s: s.wanted;
  wrap = x: { inner = x; };
in
{ } |> wrap |> (w: w.inner) |> check
