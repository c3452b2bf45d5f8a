[ (import ./lib/dir-with-default) (import ./lib/dir-with-default/other.nix) ]
