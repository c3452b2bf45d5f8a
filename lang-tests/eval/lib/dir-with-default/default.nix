{ from = "default.nix"; }
