# ... and --json, which nix-instantiate streams, has written what came before.
{ b = [ 1 { c = builtins.substring 0 1 "é"; } ]; }
