[ (builtins.floor 1.5) (builtins.ceil 1.5) (builtins.floor (-1.5)) (builtins.ceil (-1.5)) (builtins.floor 3) (builtins.ceil 2.0) ]
