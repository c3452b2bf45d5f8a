"""Nix's builtins that need no store: one module a family, each builtin registered in
:data:`~tvix_eval.builtins.registry.CORE` with ``@builtin(name, arity)``.

Adding a builtin is a local change: write the function in the module of its family, decorate
it with ``@builtin("name", arity)``; the evaluator builds ``builtins``, the ``__name``
aliases and the names visible without ``builtins.`` from the sets it is given. Builtins that
need the evaluator itself (``import``, ``findFile``...) are made by
:class:`tvix_eval.evaluator.Evaluator`.
"""

import importlib

from tvix_eval.builtins.registry import CORE, Builtin, BuiltinSet, builtin

__all__ = ["CORE", "Builtin", "BuiltinSet", "builtin"]

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
