builtins.length { type = "derivation"; name = "x"; }
