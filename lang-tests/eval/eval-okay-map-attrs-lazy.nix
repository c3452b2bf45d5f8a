(builtins.mapAttrs (n: v: throw "lazy ${n}") { a = 1; b = 2; }) ? a
