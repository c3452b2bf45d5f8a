[ (toString { __toString = self: "ts"; }) (toString { outPath = "op"; }) (toString { outPath = ./p; }) (builtins.toString [ { outPath = "a"; } ]) ]
