"""Builtins that need a store (derivations, path import, fetchers), joining the evaluator with
store and build: ``store_evaluator(store)`` is an evaluator whose derivations and paths go to
a tvix store.

The names below are loaded when first used: ``tvix eval`` starts without loading the store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tvix_glue._version import __version__

if TYPE_CHECKING:
    from tvix_glue.evaluator import store_evaluator
    from tvix_glue.store_io import TvixStoreIO

__all__ = ["TvixStoreIO", "__version__", "store_evaluator"]

_HOMES = {"TvixStoreIO": "tvix_glue.store_io", "store_evaluator": "tvix_glue.evaluator"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tvix_glue' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
