import ./fs/dangling.nix
