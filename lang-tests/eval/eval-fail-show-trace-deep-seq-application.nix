# deepSeq forces as --strict does: an application is at its function.
builtins.deepSeq (map (x: throw "x") [ 1 ]) 1
