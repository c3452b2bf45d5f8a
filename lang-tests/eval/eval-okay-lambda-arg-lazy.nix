[ ((x: 1) (throw "not evaluated")) ((x: y: y) (abort "not evaluated") 2) ]
