import ./lib/parse-error.nix
