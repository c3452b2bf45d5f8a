# Submodules are checked out only when asked for.
let
  without = builtins.fetchGit ./git/super;
  with' = builtins.fetchGit { url = ./git/super; submodules = true; };
in
{
  inherit without;
  "with" = with';
  inner = builtins.readFile "${with'}/lib/inner.txt";
  libWithout = (builtins.readDir without) ? lib;
}
