let s = { a = 1; b = null; }; in [ (builtins.hasAttr "a" s) (builtins.hasAttr "b" s) (builtins.hasAttr "c" s) (builtins.hasAttr "" { "" = 1; }) ]
