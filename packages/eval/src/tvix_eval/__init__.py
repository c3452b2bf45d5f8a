"""The Nix language: parser, compiler to Python, runtime and pure builtins."""

from tvix_eval._version import __version__

__all__ = ["__version__"]
