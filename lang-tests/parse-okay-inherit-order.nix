x: y: q: c: { z = 1; inherit (y) b; inherit (x) a; m = 3; inherit c; inherit (q) n; }
