import ./lib/self-import.nix
