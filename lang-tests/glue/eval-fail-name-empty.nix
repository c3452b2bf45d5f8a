derivation { name = ""; system = "x"; builder = "b"; }
