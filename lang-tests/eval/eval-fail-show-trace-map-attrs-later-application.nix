# Once an attribute has evaluated the function, the others are at the function.
builtins.mapAttrs (n: v: if n == "b" then throw "x" else 1) { a = 1; b = 2; }
