[ (builtins.placeholder "out") (builtins.placeholder "dev")
  (derivation { name = "p"; system = "x"; builder = "/bin/sh"; ref = builtins.placeholder "out"; }).drvPath ]
