let l = [ 1 s ]; s = { inherit l; }; in s
