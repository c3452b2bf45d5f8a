[ (builtins.genList (i: i * i) 5) (builtins.genList (i: i) 0) (builtins.genList toString 3) (builtins.length (builtins.genList (i: throw "lazy") 4)) ]
