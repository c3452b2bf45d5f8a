# A search path entry that is not there is a thrown error (not a call of throw): tryEval
# catches it, whether <...> or findFile looks it up.
let
  throw = abort "not called";
in
map (e: (builtins.tryEval e).success) [
  <missing-entry>
  <pkgs/missing.nix>
  <pkgs>
  (builtins.findFile [ ] "missing")
  (builtins.findFile [ { prefix = "p"; path = ./lib; } ] "p/missing.nix")
]
