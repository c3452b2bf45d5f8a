[ (builtins.add 40 2) (builtins.sub 40 2) (builtins.mul 6 7) (builtins.div 85 2) (builtins.add (-1) (-2)) ]
