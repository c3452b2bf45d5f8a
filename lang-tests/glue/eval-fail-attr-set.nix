derivation { name = "a"; system = "x"; builder = "b"; x = { }; }
