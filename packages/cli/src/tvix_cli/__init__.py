"""The `tvix` command: eval, parse, repl, instantiate, build."""

from tvix_cli._version import __version__

__all__ = ["__version__"]
