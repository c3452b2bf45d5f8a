with { p = 1; }; { inherit q; }.q
