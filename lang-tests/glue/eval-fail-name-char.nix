derivation { name = "a b"; system = "x"; builder = "b"; }
