let s = { a = throw "a"; b = 2; }; l = [ (throw "first") 2 ]; in [ s.b (builtins.elemAt l 1) (builtins.length l) (builtins.attrNames s) ]
