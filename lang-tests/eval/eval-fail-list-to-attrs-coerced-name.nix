builtins.listToAttrs [ { name = { outPath = "from-outpath"; }; value = 1; } ]
