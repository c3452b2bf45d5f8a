with { p = 1; q = 2; }; let inherit p; in { inherit q; r = p; }
