let p = ./some/file.nix; in "path is ${toString p} and base ${baseNameOf (toString p)}"
