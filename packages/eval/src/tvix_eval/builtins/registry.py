"""The table of builtins and the decorator that fills it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Value = Any


class Builtin:
    """A builtin: a function of ``arity`` lazy arguments, or a constant (arity 0).

    ``global_`` builtins are also reachable without ``builtins.`` (``map``, ``toString``...);
    every builtin is reachable as ``__name`` too. Errors through a call of a ``traced``
    builtin get ``while calling the 'name' builtin``. (A plain class: see
    :mod:`tvix_eval.syntax.source` on start-up.)
    """

    __slots__ = ("arity", "fn", "global_", "name", "traced")

    def __init__(
        self,
        name: str,
        arity: int,
        fn: Callable[..., Value],
        global_: bool = False,
        traced: bool = True,
    ) -> None:
        self.name = name
        self.arity = arity
        self.fn = fn
        self.global_ = global_
        self.traced = traced

    def __repr__(self) -> str:
        return f"Builtin({self.name!r}, {self.arity})"


REGISTRY: dict[str, Builtin] = {}


def builtin(
    name: str, arity: int, *, global_: bool = False, traced: bool = True
) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    def register(fn: Callable[..., Value]) -> Callable[..., Value]:
        if name in REGISTRY:
            raise AssertionError(f"builtin {name} registered twice")
        REGISTRY[name] = Builtin(name, arity, fn, global_, traced)
        return fn

    return register
