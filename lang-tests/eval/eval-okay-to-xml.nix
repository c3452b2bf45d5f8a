# builtins.toXML: strict, without positions, keeping the strings' context.
let
  str = builtins.appendContext "x" { "/nix/store/00000000000000000000000000000000-x" = { path = true; }; };
  xml = builtins.toXML { a = str; f = { a, ... }@b: a; l = [ 1 2.5 null true "<&>\"\n" ]; p = ./.; };
in { inherit xml; context = builtins.getContext xml; nested = builtins.toXML (builtins.toXML 1); }
