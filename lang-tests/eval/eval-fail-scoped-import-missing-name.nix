scopedImport { x = 1; } ./lib/uses-free-names.nix
