# mapAttrs leaves its function unevaluated: forcing the first attribute has no position.
builtins.mapAttrs (n: v: throw "x") { a = 1; }
