x: let inherit x; inherit (x) y; in y
