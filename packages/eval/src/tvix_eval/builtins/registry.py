"""The table of builtins and the decorator that fills it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Value = Any


@dataclass(frozen=True)
class Builtin:
    """A builtin: a function of ``arity`` lazy arguments, or a constant (arity 0).

    ``global_`` builtins are also reachable without ``builtins.`` (``map``, ``toString``...);
    every builtin is reachable as ``__name`` too. Errors through a call of a ``traced``
    builtin get ``while calling the 'name' builtin``.
    """

    name: str
    arity: int
    fn: Callable[..., Value]
    global_: bool = False
    traced: bool = True


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
