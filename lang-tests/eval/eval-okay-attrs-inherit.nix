let a = 1; b = "x"; in { inherit a b; c = a + 1; }
