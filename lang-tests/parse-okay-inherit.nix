a: b: f: x: y: { inherit a b; inherit (x) c d; inherit (y) e; inherit "f"; inherit; }
