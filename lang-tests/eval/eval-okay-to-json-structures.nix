builtins.toJSON { b = [ 1 [ 2 ] { } [ ] ]; a = { y = null; x = "s"; }; "key with space" = true; "" = 0; }
