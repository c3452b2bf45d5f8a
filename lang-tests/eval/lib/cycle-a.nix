{ a = "a"; b = (import ./cycle-b.nix).b; }
