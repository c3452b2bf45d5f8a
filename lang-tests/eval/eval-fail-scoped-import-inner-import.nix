scopedImport { x = 1; y = 2; } ./lib/imports-scoped-neighbour.nix
