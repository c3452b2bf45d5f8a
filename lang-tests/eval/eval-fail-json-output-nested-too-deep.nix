# --json writes the result with toJSON's writer: nested 100000 deep, C++ Nix's stack overflows
builtins.foldl' (inner: _: [ inner ]) [ ] (builtins.genList (x: x) 100000)
