{ ok = 1; bad = throw "thrown in lib/throws.nix"; }
