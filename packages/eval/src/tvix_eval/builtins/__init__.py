"""Nix's builtins: one module a family, each builtin registered with :func:`builtin`.

Adding a builtin is a local change: write the function in the module of its family, decorate
it with ``@builtin("name", arity)``; the registry builds ``builtins``, the ``__name``
aliases and the names visible without ``builtins.`` from it. Builtins that need the
evaluator itself (``import``, ``getEnv``...) are made by :class:`tvix_eval.evaluator.Evaluator`.
"""

import importlib

from tvix_eval.builtins.registry import REGISTRY, Builtin, builtin

__all__ = ["REGISTRY", "Builtin", "builtin"]

#: The modules whose builtins register themselves on import.
FAMILIES = (
    "arithmetic",
    "attrs",
    "context",
    "control",
    "hashing",
    "io",
    "json",
    "lists",
    "paths",
    "regex",
    "strings",
    "toml",
    "types",
    "versions",
    "xml",
)

for _family in FAMILIES:
    importlib.import_module(f"tvix_eval.builtins.{_family}")
