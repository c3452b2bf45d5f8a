"""Flakes: a flake's inputs locked (:mod:`.lock`) and its outputs called with them
(``call-flake.nix``), for ``builtins.getFlake``."""
