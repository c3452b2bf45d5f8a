[ (import ./lib/one.nix) (import ./lib/function.nix 2) (import ./lib/set-function.nix { name = "you"; }) ]
