[ (import ./fs/link-to-one.nix) (import ./fs/link-to-link.nix) ]
