# Each outPath followed is one more level of C++ Nix's JSON writer: 100000 of them overflow it
builtins.toJSON (builtins.foldl' (inner: _: { outPath = inner; }) "end" (builtins.genList (x: x) 100000))
