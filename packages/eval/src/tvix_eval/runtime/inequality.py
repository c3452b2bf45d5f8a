"""Why two values are not equal: what a failed ``assert a == b`` says instead of just
``assertion failed``.

C++ Nix compares the two sides again, looking for the first difference, and reports it with
a trace down to it (``while comparing list element 2``, ``while comparing attribute 'x'``
with where each side's attribute was defined). Only called once ``==`` said false.
"""

from __future__ import annotations

from types import FunctionType
from typing import Any

from tvix_eval.errors import AssertionFailed
from tvix_eval.printer import format_float
from tvix_eval.runtime.ops import is_derivation, show_value
from tvix_eval.value import (
    Attrs,
    ContextStr,
    NixPath,
    PrimOp,
    PrimOpApp,
    attr_position,
    describe,
    force,
    sorted_names,
)

__all__ = ["explain_inequality"]

Value = Any

_FUNCTIONS = (
    "distinct functions and immediate comparisons of identical functions compare as unequal"
)


def explain_inequality(a: Value, b: Value) -> AssertionFailed:
    """The error describing the first difference between ``a`` and ``b`` (which ``==``
    found unequal). Its ``while comparing ...`` lines have no position, as in C++ Nix."""
    try:
        _compare(a, b)
    except AssertionFailed as e:
        return e
    # == and this walk disagree only for values == never equates (functions).
    return _unequal(_FUNCTIONS)


def _unequal(message: str) -> AssertionFailed:
    error = AssertionFailed(message)
    error.positioned = False
    return error


def _kind(value: Value) -> str:
    t = type(value)
    if t is dict or t is Attrs:
        return "set"
    if t is str or t is ContextStr:
        return "string"
    if t is FunctionType or t is PrimOp or t is PrimOpApp:
        return "function"
    return t.__name__


def _number(value: Value) -> str:
    return format_float(value) if type(value) is float else str(value)


def _compare(a: Value, b: Value) -> None:
    a, b = force(a), force(b)
    ta, tb = type(a), type(b)
    numbers = (int, float)
    if ta in numbers and tb in numbers:
        same = a == b if ta is tb else float(a) == float(b)
        if not same:
            raise _unequal(
                f"{describe(a)} with value '{_number(a)}' is not equal to "
                f"{describe(b)} with value '{_number(b)}'"
            )
        return
    if _kind(a) != _kind(b):
        raise _unequal(
            f"{describe(a)} of value '{show_value(a)}' is not equal to "
            f"{describe(b)} of value '{show_value(b)}'"
        )
    if a is b or a is None:
        return
    kind = _kind(a)
    if kind == "bool":
        if a is not b:
            raise _unequal(f"boolean '{show_value(a)}' is not equal to boolean '{show_value(b)}'")
    elif kind == "string":
        if str(a) != str(b):
            raise _unequal(f"string '{show_value(a)}' is not equal to string '{show_value(b)}'")
    elif ta is NixPath:
        if a.path != b.path:
            raise _unequal(f"path '{show_value(a)}' is not equal to path '{show_value(b)}'")
    elif ta is list:
        _compare_lists(a, b)
    elif kind == "set":
        _compare_sets(a, b)
    elif kind == "function":
        raise _unequal(_FUNCTIONS)


def _compare_lists(a: list[Value], b: list[Value]) -> None:
    if len(a) != len(b):
        raise _unequal(
            f"list of size '{len(a)}' is not equal to list of size '{len(b)}', left hand side "
            f"is '{show_value(a)}', right hand side is '{show_value(b)}'"
        )
    for index, (x, y) in enumerate(zip(a, b, strict=True)):
        try:
            _compare(x, y)
        except AssertionFailed as e:
            e.add_trace(f"while comparing list element {index}")
            raise


def _compare_sets(a: dict[str, Value], b: dict[str, Value]) -> None:
    if is_derivation(a) and is_derivation(b) and "outPath" in a and "outPath" in b:
        try:
            _compare(a["outPath"], b["outPath"])
        except AssertionFailed as e:
            e.add_trace("while comparing a derivation by its 'outPath' attribute")
            raise
        return
    if len(a) != len(b):
        raise _unequal(
            f"attribute names of attribute set '{show_value(a)}' differs from attribute set "
            f"'{show_value(b)}'"
        )
    # C++ Nix walks both sets in the order it interned their names; name order is ours.
    for left, right in zip(sorted_names(a), sorted_names(b), strict=True):
        if left != right:
            if right not in a:
                raise _unequal(
                    f"attribute name '{right}' is missing in '{show_value(a)}', but is "
                    f"contained in '{show_value(b)}'"
                )
            raise _unequal(
                f"attribute name '{left}' is contained in '{show_value(a)}', but not in "
                f"'{show_value(b)}'"
            )
        try:
            _compare(a[left], b[left])
        except AssertionFailed as e:
            right_at, left_at = attr_position(b, left), attr_position(a, left)
            if right_at is not None:
                e.add_trace("where right hand side is", right_at)
            if left_at is not None:
                e.add_trace("where left hand side is", left_at)
            e.add_trace(f"while comparing attribute '{left}'")
            raise
