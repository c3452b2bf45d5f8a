{ scoped = x; imported = import ./one.nix; }
