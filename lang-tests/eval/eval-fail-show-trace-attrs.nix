{ outer = { inner = [ 1 (builtins.head [ ]) ]; }; }
