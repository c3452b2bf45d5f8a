(scopedImport { x = "scoped"; } ./lib/uses-free-name-and-import.nix)
