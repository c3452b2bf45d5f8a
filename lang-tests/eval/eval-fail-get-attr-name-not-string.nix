builtins.getAttr 1 { a = 1; }
