let a = { inherit (a) b; }; in a.b
