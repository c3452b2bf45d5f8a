# C++ Nix calls a functor from its __functor attribute: the call site of what it runs.
let f = { __functor = self: x: throw "x"; }; in f 1
