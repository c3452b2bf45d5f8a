[ (import ./fs/link-to-dir) (import ./fs/link-to-dir/other.nix) ]
