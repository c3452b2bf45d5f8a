[ (9 / 4) (-9 / 4) (9 / -4) (-9 / -4) (1 / 3) (-1 / 3) (builtins.div 9 4) (builtins.div (-9) 4) ]
