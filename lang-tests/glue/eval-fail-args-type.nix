derivation { name = "a"; system = "x"; builder = "b"; args = "-c"; }
