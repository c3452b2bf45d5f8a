let s = { x = 1; y = 2; z = 3; }; in
builtins.listToAttrs (map (n: { name = n; value = builtins.getAttr n s * 10; }) (builtins.filter (n: n != "y") (builtins.attrNames s)))
