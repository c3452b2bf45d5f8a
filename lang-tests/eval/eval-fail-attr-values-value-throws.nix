builtins.attrValues { a = 1; b = throw "value of b"; }
