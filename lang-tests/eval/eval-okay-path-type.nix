[ (builtins.typeOf ./a) (builtins.isPath ./a) (builtins.isPath "./a") (builtins.isPath (./a + "b")) (builtins.isString (toString ./a)) (builtins.typeOf (./a + "b")) ]
