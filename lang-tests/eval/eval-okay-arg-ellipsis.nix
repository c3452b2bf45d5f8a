import ./lib/args.nix
