[ (builtins.tryEval (builtins.throw "b")) (builtins.tryEval (builtins.getAttr "x" { x = throw "inner"; })) ]
