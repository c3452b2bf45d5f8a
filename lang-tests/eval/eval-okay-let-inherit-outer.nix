let a = 1; in let inherit a; b = a + 1; in [ a b ]
