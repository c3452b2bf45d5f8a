derivation { name = "a"; system = "x"; builder = throw "no builder"; }
