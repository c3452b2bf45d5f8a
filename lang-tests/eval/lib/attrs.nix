{ a = "from attrs.nix"; nested = import ./nested/inner.nix; here = ./.; }
