scopedImport [ ] ./lib/one.nix
