"""Nix source to syntax tree: lexer, grammar, parser, and the tree itself."""
