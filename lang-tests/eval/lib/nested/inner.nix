# Relative paths resolve against the file's own folder.
{ value = "inner"; sibling = import ./sibling.nix; up = import ../one.nix; self = ./inner.nix; }
