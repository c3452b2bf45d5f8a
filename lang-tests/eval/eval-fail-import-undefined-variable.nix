import ./lib/undefined-variable.nix
