# ... nor a function application they force.
builtins.elemAt (map (x: throw "x") [ 1 ]) 0
