# A name bound by let, a lambda or rec always wins over one from with, however close.
let a = "let"; in [ (with { a = "with"; }; a) ((b: with { b = "with"; }; b) "lambda") (rec { c = "rec"; d = with { c = "with"; }; c; }.d) ]
