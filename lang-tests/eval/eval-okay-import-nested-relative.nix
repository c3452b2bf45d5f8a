import ./lib/attrs.nix
