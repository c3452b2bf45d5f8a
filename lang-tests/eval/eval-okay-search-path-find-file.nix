[
  (builtins.findFile [ { prefix = "p"; path = toString ./lib/search; } ] "p/plain.nix")
  (builtins.findFile [ { prefix = ""; path = toString ./lib/search2; } ] "only-here.nix")
]
