import <lib/one.nix>
