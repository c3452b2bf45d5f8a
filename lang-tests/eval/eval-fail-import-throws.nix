(import ./lib/throws.nix).bad
