[ (builtins.isInt (1 + 1)) (builtins.isString ("a" + "b")) (builtins.isAttrs (let s = { }; in s)) ]
