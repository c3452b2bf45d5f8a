import ./lib/type-error.nix
