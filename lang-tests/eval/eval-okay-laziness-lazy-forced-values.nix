# Values that are already evaluated print as values even lazily.
let x = 1 + 1; l = [ (2 + 2) ]; in builtins.seq x (builtins.seq (builtins.head l) { inherit x l; y = x + 1; })
