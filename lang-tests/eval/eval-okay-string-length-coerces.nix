[ (builtins.stringLength { outPath = "abcd"; }) (builtins.stringLength { __toString = _: "xy"; }) ]
