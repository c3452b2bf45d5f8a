(import ./lib/lazy-set.nix).cheap
