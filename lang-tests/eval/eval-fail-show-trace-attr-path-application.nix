# -A forces what it selects at the position C++ Nix determines for it.
{ a = builtins.mapAttrs (n: v: if n == "y" then throw "x" else 1) { x = 1; y = 2; }; }
