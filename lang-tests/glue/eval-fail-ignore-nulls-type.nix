derivation { name = "a"; system = "x"; builder = "b"; __ignoreNulls = 1; }
