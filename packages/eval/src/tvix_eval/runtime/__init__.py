"""What compiled Nix code calls at run time: operators, calls, attribute access, coercions."""
