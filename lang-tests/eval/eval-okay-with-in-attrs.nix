with { v = "w"; }; { a = v; b = { c = v; }; ${v} = v; }
