# foldl' forces the accumulator at each step, not the list's elements.
builtins.foldl' (acc: x: acc + 1) 0 [ (throw "a") (throw "b") ]
