let s = { "a b" = 1; c = 2; }; in { inherit (s) "a b" c; }
