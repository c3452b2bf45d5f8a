builtins.foldl' (acc: x: if x == 2 then throw "accumulator at two" else x) 0 [ 1 2 3 ]
