# The stack overflow of a JSON nested too deep ends the evaluation: tryEval does not catch it
let
  deep = builtins.foldl' (inner: _: { a = [ inner ]; }) null (builtins.genList (x: x) 50000);
in
(builtins.tryEval (builtins.toJSON deep)).success
