# Inheriting from a set does not evaluate it until a name is used.
let s = throw "not evaluated"; in builtins.attrNames { inherit (s) a b; }
