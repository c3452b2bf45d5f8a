builtins.hasAttr 1 { a = 1; }
