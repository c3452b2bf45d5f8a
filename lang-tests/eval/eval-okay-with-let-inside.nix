with { a = "with"; }; let b = a; a = "let"; in [ a b ]
