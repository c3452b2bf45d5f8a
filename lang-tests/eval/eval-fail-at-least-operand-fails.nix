let xs = [ 1 2 ]; in (builtins.head xs) >= (builtins.elemAt xs 5)
