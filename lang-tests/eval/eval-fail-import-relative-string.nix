import "lib/one.nix"
