scopedImport { x = 1; y = throw "not used"; unused = abort "never"; } ./lib/function.nix 5
