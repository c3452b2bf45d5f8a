# A cyclic list has no end in JSON: C++ Nix's own stack overflows.
let l = [ l ]; in l
