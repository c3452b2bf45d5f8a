builtins.attrNames [ (x: x) builtins.add (builtins.add 1) map ]
