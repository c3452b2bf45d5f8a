derivation { name = "a.drv"; system = "x"; builder = "b"; }
