let b = builtins; f = b.getAttr "length" b; in [ (f [ 1 2 3 ]) (b.head (b.attrNames { z = 1; y = 2; })) ]
