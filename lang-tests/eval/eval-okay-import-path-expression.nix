let dir = ./lib; name = "one"; in [ (import (dir + "/${name}.nix")) (import ./lib/${name}.nix) (import (./. + "/lib/function.nix") 3) ]
