let l = [ "a" "b" "c" ]; in [ (builtins.elemAt l 0) (builtins.elemAt l 2) (builtins.elemAt [ [ 1 ] ] 0) ]
