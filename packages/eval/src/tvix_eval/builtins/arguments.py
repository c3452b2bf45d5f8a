"""Forcing and checking builtin arguments, with the trace lines C++ Nix adds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import force

Value = Any
T = TypeVar("T")

ORDINALS = ("first", "second", "third", "fourth")


def checked(
    value: Value,
    check: Callable[[Value], T],
    name: str,
    position: int | None = None,
    what: str | None = None,
) -> T:
    """Force ``value`` and check its type; on failure add
    ``while evaluating the <nth> argument passed to builtins.<name>``."""
    try:
        return check(force(value))
    except NixError as e:
        if what is None:
            nth = "the argument" if position is None else f"the {ORDINALS[position]} argument"
            what = f"{nth} passed to builtins.{name}"
        e.add_trace(f"while evaluating {what}")
        raise


def int_arg(value: Value, name: str, position: int | None = None) -> int:
    return checked(value, ops.expect_int, name, position)


def list_arg(
    value: Value, name: str, position: int | None = None, what: str | None = None
) -> list[Value]:
    return checked(value, ops.expect_list, name, position, what)


def set_arg(
    value: Value, name: str, position: int | None = None, what: str | None = None
) -> dict[str, Value]:
    return checked(value, ops.expect_set, name, position, what)


def string_arg(
    value: Value, name: str, position: int | None = None, what: str | None = None
) -> str:
    return checked(value, ops.expect_string, name, position, what)


def bool_arg(value: Value, name: str, position: int | None = None) -> bool:
    return checked(value, ops.expect_bool, name, position)


def function_arg(value: Value, name: str, position: int | None = None) -> Value:
    def expect(v: Value) -> Value:
        if ops.is_function(v) or (type(v) is dict and "__functor" in v):
            return v
        raise ops.type_error("a function", v)

    return checked(value, expect, name, position)


def coerced_arg(
    value: Value,
    name: str,
    position: int | None = None,
    context: set[str] | None = None,
    coerce_more: bool = False,
) -> str:
    def coerce(v: Value) -> str:
        return ops.coerce_to_string(
            v, coerce_more=coerce_more, copy_to_store=False, context=context
        )

    return checked(value, coerce, name, position)
