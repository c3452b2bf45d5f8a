[ (1 / 2) (1 / 2.0) (1.0 / 2) (3 * 0.5) (builtins.div 3 2) (builtins.div 3.0 2) ]
