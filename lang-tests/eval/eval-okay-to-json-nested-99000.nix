# Nested 99000 deep (lists, sets and outPaths), JSON is still within C++ Nix's stack
let
  steps = builtins.genList (x: x) 33000;
  deep = builtins.foldl' (inner: _: [ { a.outPath = inner; } ]) 0 steps;
  lazy = n: if n == 0 then [ ] else [ (lazy (n - 1)) ];
in
[
  (builtins.stringLength (builtins.toJSON deep))
  (builtins.stringLength (builtins.toJSON (lazy 99000)))
]
