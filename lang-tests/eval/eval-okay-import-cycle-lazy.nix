# Two files that import each other are fine as long as no value depends on itself.
[ (import ./lib/cycle-a.nix).b (import ./lib/cycle-b.nix).a ]
