scopedImport { x = 1; y = 2; builtins = { typeOf = _: "fake typeOf"; }; } ./lib/uses-free-names.nix
