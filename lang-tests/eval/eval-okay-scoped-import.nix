scopedImport { x = "scoped x"; y = 2; } ./lib/uses-free-names.nix
