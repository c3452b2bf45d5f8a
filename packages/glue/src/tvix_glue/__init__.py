"""Builtins that need a store (derivations, path import, fetchers), joining the evaluator with
store and build.
"""

from tvix_glue._version import __version__

__all__ = ["__version__"]
