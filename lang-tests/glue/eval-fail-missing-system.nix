derivation { name = "a"; builder = "b"; }
