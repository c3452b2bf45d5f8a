"""Nix values as Python sees them, for programs that embed the evaluator.

Values stay lazy across the boundary: an attribute set is a read-only mapping whose values
are computed when looked up, a list a sequence whose items are computed when read, a Nix
function a Python callable. Whatever is computed later is computed by the evaluator that
made the value, with its I/O and builtins (``runner``: anything with the ``run`` of
:class:`tvix_eval.evaluator.Evaluator`). Strings keep their context (``.context`` of a
:class:`~tvix_eval.value.ContextStr`), paths are :class:`~tvix_eval.value.NixPath`\\ s;
numbers, Booleans and null are Python's own. :meth:`NixAttrs.to_python` and
:func:`to_python` turn a whole value into plain Python data.

Python data goes the other way through :func:`to_nix`: numbers, strings, Booleans, None,
lists and tuples, mappings with string keys, and values that came from Nix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar, overload

from tvix_eval.errors import NixError
from tvix_eval.runtime.calls import call
from tvix_eval.value import (
    Attrs,
    ContextStr,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    force,
    sorted_names,
    type_name,
)

__all__ = ["NixAttrs", "NixFunction", "NixList", "Runner", "from_nix", "to_nix", "to_python"]

Value = Any
R = TypeVar("R")


class Runner(Protocol):
    def run(self, work: Callable[[], R]) -> R: ...


def from_nix(value: Value, runner: Runner) -> Any:
    """A forced Nix value as Python sees it (sets, lists and functions wrapped, lazily)."""
    t = type(value)
    if t is dict or t is Attrs:
        if "__functor" in value:
            return NixFunction(value, runner)
        return NixAttrs(value, runner)
    if t is list:
        return NixList(value, runner)
    if callable(value) or t is PrimOp or t is PrimOpApp:
        return NixFunction(value, runner)
    return value


def _forced(value: Value, runner: Runner) -> Any:
    """``value`` forced (by ``runner`` only if there is anything to compute) and wrapped."""
    if type(value) is Thunk and not value.forced:
        value = runner.run(value.force)
    return from_nix(force(value), runner)


class NixAttrs(Mapping[str, Any]):
    """A Nix attribute set: a read-only mapping in Nix's order (names sorted), whose values
    are computed when first looked up."""

    __slots__ = ("_attrs", "_runner")

    def __init__(self, attrs: dict[str, Value], runner: Runner) -> None:
        self._attrs = attrs
        self._runner = runner

    def __getitem__(self, name: str) -> Any:
        return _forced(self._attrs[name], self._runner)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted_names(self._attrs))

    def __len__(self) -> int:
        return len(self._attrs)

    def __contains__(self, name: object) -> bool:
        return name in self._attrs

    def __repr__(self) -> str:
        return f"<NixAttrs {{ {' '.join(sorted_names(self._attrs))} }}>"

    @property
    def nix_value(self) -> Value:
        return self._attrs

    def to_python(self) -> dict[str, Any]:
        return to_python(self)  # type: ignore[no-any-return]


class NixList(Sequence[Any]):
    """A Nix list: a read-only sequence whose items are computed when first read."""

    __slots__ = ("_items", "_runner")

    def __init__(self, items: list[Value], runner: Runner) -> None:
        self._items = items
        self._runner = runner

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [_forced(item, self._runner) for item in self._items[index]]
        return _forced(self._items[index], self._runner)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<NixList of {len(self._items)}>"

    @property
    def nix_value(self) -> Value:
        return self._items

    def to_python(self) -> list[Any]:
        return to_python(self)  # type: ignore[no-any-return]


class NixFunction:
    """A Nix function (a lambda, a builtin, a set with ``__functor``), callable from Python:
    ``f(a, b)`` applies it to ``a`` and then the result to ``b``, as ``f a b`` in Nix. The
    arguments go through :func:`to_nix`."""

    __slots__ = ("_function", "_runner")

    def __init__(self, function: Value, runner: Runner) -> None:
        self._function = function
        self._runner = runner

    def __call__(self, *args: Any) -> Any:
        if not args:
            raise TypeError("a Nix function takes one argument at a time: give at least one")
        converted = [to_nix(arg) for arg in args]

        def apply() -> Value:
            result = self._function
            for arg in converted:
                result = force(call(result, arg))
            return result

        return from_nix(self._runner.run(apply), self._runner)

    def __repr__(self) -> str:
        return f"<NixFunction {type_name(self._function)}>"

    @property
    def nix_value(self) -> Value:
        return self._function


def to_nix(data: Any) -> Value:
    """Python data as a Nix value."""
    if isinstance(data, NixAttrs | NixList | NixFunction):
        return data.nix_value
    if data is None or isinstance(data, bool | int | float | str | NixPath):
        if type(data) is int and not -(2**63) <= data < 2**63:
            raise ValueError(f"{data} does not fit Nix's 64-bit integers")
        return data
    if isinstance(data, Mapping):
        converted: dict[str, Value] = {}
        for name, item in data.items():
            if not isinstance(name, str):
                raise TypeError(f"attribute names are strings, not {type(name).__name__}")
            converted[name] = to_nix(item)
        return converted
    if isinstance(data, list | tuple):
        return [to_nix(item) for item in data]
    raise TypeError(f"{type(data).__name__} has no Nix value")


def to_python(value: Any) -> Any:
    """A value (from Nix, wrapped or not) as plain Python data, computed whole: sets become
    dicts, lists lists, strings ``str`` (their context dropped), paths ``str``. Functions
    cannot be data: a :class:`NixError` names the first one met."""
    if isinstance(value, NixAttrs | NixList | NixFunction):
        runner = value._runner
        return runner.run(lambda: _plain(value.nix_value))
    return _plain(value)


def _plain(value: Value) -> Any:
    # Iterative: Nix data nests deeper than Python's recursion allows.
    root: list[Any] = [None]
    stack: list[tuple[Value, Any, Any]] = [(value, root, 0)]
    while stack:
        item, holder, key = stack.pop()
        item = force(item)
        t = type(item)
        if t is dict or t is Attrs:
            names = sorted_names(item)
            out: dict[str, Any] = dict.fromkeys(names)
            holder[key] = out
            stack.extend((item[name], out, name) for name in reversed(names))
        elif t is list:
            items: list[Any] = [None] * len(item)
            holder[key] = items
            stack.extend((entry, items, i) for i, entry in reversed(list(enumerate(item))))
        elif t is ContextStr:
            holder[key] = str.__str__(item)
        elif t is NixPath:
            holder[key] = item.path
        elif callable(item) or t is PrimOp or t is PrimOpApp:
            raise NixError(f"cannot convert {type_name(item)} to Python data")
        else:
            holder[key] = item
    return root[0]
