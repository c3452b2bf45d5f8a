"""Sets of builtins, and the decorator that fills them.

A :class:`BuiltinSet` is a table of builtin definitions; an evaluator is made from
tvix-eval's own set (:data:`CORE`, filled by the modules of this package as they are
imported) and any sets its maker adds (tvix-glue's store builtins), each evaluator with its
own. Registering a builtin also records where its code lives, which is how error traces
tell builtins' code from other Python code (see :data:`tvix_eval.runtime.trace.BUILTIN_FILES`).

Builtins that need state of their own (a store, caches) are registered with
``stateful=True``: their function takes that state first, and :meth:`BuiltinSet.bound` makes
the set an evaluator can use, with the state of one evaluation. Builtins written in Nix
(``derivation``) are registered with :meth:`BuiltinSet.nix_builtin`; each evaluator
evaluates them once, when it is made.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tvix_eval.runtime.trace import BUILTIN_FILES

__all__ = ["CORE", "Builtin", "BuiltinSet", "NixBuiltin", "builtin", "builtins_helper_module"]

Value = Any


class Builtin:
    """A builtin: a function of ``arity`` lazy arguments, or a constant (arity 0).

    ``global_`` builtins are also reachable without ``builtins.`` (``map``, ``toString``...);
    every builtin is reachable as ``__name`` too. Errors through a call of a ``traced``
    builtin get ``while calling the 'name' builtin``. A builtin of an experimental
    ``feature`` exists only in evaluators with that feature enabled. (A plain class: see
    :mod:`tvix_eval.syntax.source` on start-up.)
    """

    __slots__ = ("arity", "feature", "fn", "global_", "name", "stateful", "traced")

    def __init__(
        self,
        name: str,
        arity: int,
        fn: Callable[..., Value],
        global_: bool = False,
        traced: bool = True,
        stateful: bool = False,
        feature: str | None = None,
    ) -> None:
        self.name = name
        self.arity = arity
        self.fn = fn
        self.global_ = global_
        self.traced = traced
        self.stateful = stateful
        self.feature = feature

    def __repr__(self) -> str:
        return f"Builtin({self.name!r}, {self.arity})"


@dataclass(frozen=True)
class NixBuiltin:
    """A builtin written in Nix: the value of the file ``source``, which error traces call
    ``shown_as`` and positions (``unsafeGetAttrPos``) ``position_file``, as C++ Nix names
    its own such files."""

    name: str
    source: Path
    shown_as: str
    position_file: str
    global_: bool = True


class BuiltinSet:
    """Builtins by name, in the order they were registered."""

    def __init__(
        self,
        builtins: dict[str, Builtin] | None = None,
        nix_defined: dict[str, NixBuiltin] | None = None,
    ) -> None:
        self._builtins: dict[str, Builtin] = builtins or {}
        #: Builtins written in Nix, which may use this set's other builtins.
        self.nix_defined: dict[str, NixBuiltin] = nix_defined or {}

    def __iter__(self) -> Iterator[Builtin]:
        return iter(self._builtins.values())

    def __contains__(self, name: object) -> bool:
        return name in self._builtins

    def __len__(self) -> int:
        return len(self._builtins)

    def __getitem__(self, name: str) -> Builtin:
        return self._builtins[name]

    def builtin(
        self,
        name: str,
        arity: int,
        *,
        global_: bool = False,
        traced: bool = True,
        stateful: bool = False,
        feature: str | None = None,
    ) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
        """Register the decorated function as the builtin ``name`` of ``arity`` arguments."""

        def register(fn: Callable[..., Value]) -> Callable[..., Value]:
            if name in self._builtins:
                raise AssertionError(f"builtin {name} registered twice")
            self._builtins[name] = Builtin(name, arity, fn, global_, traced, stateful, feature)
            BUILTIN_FILES.add(fn.__code__.co_filename)
            return fn

        return register

    def nix_builtin(
        self, name: str, source: Path, *, shown_as: str, position_file: str, global_: bool = True
    ) -> None:
        """Register the value of the Nix file ``source`` as the builtin ``name``."""
        if name in self._builtins or name in self.nix_defined:
            raise AssertionError(f"builtin {name} registered twice")
        self.nix_defined[name] = NixBuiltin(name, source, shown_as, position_file, global_)

    def bound(self, state: object) -> BuiltinSet:
        """This set with ``state`` given to every stateful builtin, for one evaluator."""
        return BuiltinSet(
            {
                name: Builtin(
                    name,
                    spec.arity,
                    functools.partial(spec.fn, state),
                    spec.global_,
                    spec.traced,
                    feature=spec.feature,
                )
                if spec.stateful
                else spec
                for name, spec in self._builtins.items()
            },
            dict(self.nix_defined),
        )


#: tvix-eval's own builtins, those that need no store.
CORE = BuiltinSet()
#: Registers one of :data:`CORE`.
builtin = CORE.builtin


def builtins_helper_module(file: str) -> None:
    """Count the code of the module at ``file`` as builtins' code (in traces, see
    :data:`~tvix_eval.runtime.trace.BUILTIN_FILES`) though it registers no builtin: helpers
    that force arguments or call Nix functions on builtins' behalf (and on behalf of the
    evaluator's own builtins, ``findFile``...), whose calls have no call site either."""
    BUILTIN_FILES.add(file)
