let a = 1; in let b = a + 1; in let a = 10; c = a + b; in [ a b c ]
