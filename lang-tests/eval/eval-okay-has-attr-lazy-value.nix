builtins.hasAttr "a" { a = throw "not evaluated"; }
