derivation { name = "a"; system = "x"; builder = "b"; outputHash = "abc"; }
