builtins.toFile "a" "${derivation { name = "d"; system = "x"; builder = "b"; }}"
