scopedImport { map = f: l: "overridden map"; toString = x: "overridden toString"; true = false; } ./lib/overrides-builtin.nix
