# toJSON forces an attribute at the attribute's position (none in a set built by mapAttrs).
builtins.toJSON { a = (x: throw "x") 1; b = builtins.mapAttrs (n: v: throw "y") { c = 1; }; }
