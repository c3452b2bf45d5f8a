"""The builtins that need a store, in sets an evaluator is given (bound to its
:class:`~tvix_glue.store_io.TvixStoreIO`): derivations, and adding paths to the store."""

from __future__ import annotations

from tvix_eval.builtins.registry import BuiltinSet

from tvix_glue.builtins.derivation import DERIVATION_BUILTINS
from tvix_glue.builtins.fetch_closure import FETCH_CLOSURE_BUILTINS
from tvix_glue.builtins.fetch_mercurial import FETCH_MERCURIAL_BUILTINS
from tvix_glue.builtins.fetch_tree import FETCH_TREE_BUILTINS
from tvix_glue.builtins.fetchers import FETCHER_BUILTINS
from tvix_glue.builtins.flake_refs import FLAKE_REF_BUILTINS
from tvix_glue.builtins.get_flake import GET_FLAKE_BUILTINS
from tvix_glue.builtins.store_paths import STORE_PATH_BUILTINS

__all__ = ["STORE_BUILTINS"]

#: Every set of store builtins, in the order an evaluator takes them.
STORE_BUILTINS: tuple[BuiltinSet, ...] = (
    DERIVATION_BUILTINS,
    STORE_PATH_BUILTINS,
    FETCHER_BUILTINS,
    FETCH_TREE_BUILTINS,
    FETCH_MERCURIAL_BUILTINS,
    FLAKE_REF_BUILTINS,
    GET_FLAKE_BUILTINS,
    FETCH_CLOSURE_BUILTINS,
)
