[ (1 + 1) "s" [ (throw "x") ] ]
