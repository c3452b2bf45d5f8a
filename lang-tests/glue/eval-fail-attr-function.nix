derivation { name = "a"; system = "x"; builder = "b"; f = x: x; }
