import ./fs/loop-a.nix
