# Importing a file twice gives the same value (it is evaluated once).
let a = import ./lib/function.nix; b = import ./lib/function.nix; in [ ([ a ] == [ b ]) ({ f = a; } == { f = b; }) ]
