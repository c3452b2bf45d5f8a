map builtins.toJSON [ 1 (-5) 1.5 0.1 1.0 1.0e30 1.0e-7 100.0 true false null "s" "" ]
