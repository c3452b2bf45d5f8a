{ b = "b"; a = (import ./cycle-a.nix).a; }
