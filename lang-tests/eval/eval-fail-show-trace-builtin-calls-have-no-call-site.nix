# C++ Nix gives builtins no position: a function they call has no call site.
builtins.foldl' (a: b: throw "x") 0 [ 1 ]
