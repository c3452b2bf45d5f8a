x: y: { a = { inherit (x) b; }; a = { inherit (y) c; }; a.d = 1; }
