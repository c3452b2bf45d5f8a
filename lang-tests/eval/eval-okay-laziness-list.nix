builtins.length [ (throw "a") (abort "b") (1 / 0) (x: x) ]
