builtins.attrNames (builtins.genList (x: x) 30)
