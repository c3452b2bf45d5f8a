let t = msg: v: builtins.trace msg v; in [ (t "first" 1) (t "second" 2) ]
