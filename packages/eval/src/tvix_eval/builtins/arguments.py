"""Forcing and checking builtin arguments, with the trace lines C++ Nix adds.

C++ Nix checks arguments in two ways, and the difference shows in error traces:

* ``forceInt``, ``forceFloat``, ``forceBool``, ``forceString`` and ``forceFunction`` add
  their ``while evaluating ...`` line to *any* error raised while the argument is forced (a
  ``throw`` inside it too): the ``catch_all`` checks here (:func:`int_arg`,
  :func:`float_arg`, :func:`bool_arg`, :func:`string_arg`, :func:`function_arg`...);
* ``forceList``, ``forceAttrs`` and string coercion force the value first and add the line
  only when it has the wrong type (:func:`list_arg`, :func:`set_arg`, :func:`coerced_arg`).

(The result of a function call is already forced in C++ Nix, so a builtin forces it before
checking it: a ``throw`` there gets no such line.)

``name`` is the builtin's name as the message spells it (``foldlStrict`` for ``foldl'``);
``position`` picks ``the first argument``..., None gives ``the argument``; ``what``
replaces the whole description for the messages that do not follow the pattern.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tvix_eval.builtins.registry import builtins_helper_module
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import ContextStr, Thunk, force

__all__ = [
    "bool_arg",
    "checked",
    "coerced_arg",
    "describe_arg",
    "expect_plain_string",
    "float_arg",
    "function_arg",
    "int_arg",
    "list_arg",
    "plain_string_arg",
    "set_arg",
    "string_arg",
]

builtins_helper_module(__file__)

Value = Any
T = TypeVar("T")

ORDINALS = ("first", "second", "third", "fourth")


def describe_arg(name: str, position: int | None) -> str:
    """``the first argument passed to builtins.<name>`` (``the argument`` without a position)."""
    nth = "the argument" if position is None else f"the {ORDINALS[position]} argument"
    return f"{nth} passed to builtins.{name}"


def checked(
    value: Value,
    check: Callable[[Value], T],
    name: str,
    position: int | None = None,
    what: str | None = None,
    *,
    catch_all: bool = False,
    span: Any = None,
    error_at_span: bool = False,
) -> T:
    """Force ``value`` and check it; on failure add ``while evaluating <what>`` (at ``span``
    when known). ``error_at_span`` also gives a wrong type that position, as C++ Nix's
    ``forceBool`` and ``forceString`` do when they are given one."""
    if not catch_all:
        value = force(value)
    try:
        value = force(value)
    except NixError as e:
        e.add_trace(f"while evaluating {what or describe_arg(name, position)}", span)
        raise
    try:
        return check(value)
    except NixError as e:
        if error_at_span and span is not None:
            e.span, e.located = span, True
        e.add_trace(f"while evaluating {what or describe_arg(name, position)}", span)
        raise


def int_arg(value: Value, name: str, position: int | None = 0, what: str | None = None) -> int:
    if type(value) is int:
        return value
    return checked(value, ops.expect_int, name, position, what, catch_all=True)


def _expect_number(value: Value) -> float:
    if type(value) is float or type(value) is int:
        return value  # type: ignore[no-any-return]
    raise ops.type_error("a float", value)


def float_arg(value: Value, name: str, position: int | None = 0, what: str | None = None) -> float:
    """A float, or an integer (C++ ``forceFloat`` accepts both; the caller converts)."""
    return checked(value, _expect_number, name, position, what, catch_all=True)


def string_arg(value: Value, name: str, position: int | None = 0, what: str | None = None) -> str:
    """A string value (not coerced); its context stays on it."""
    if type(value) is str:
        return value
    return checked(value, ops.expect_string, name, position, what, catch_all=True)


def expect_plain_string(value: Value) -> str:
    text = ops.expect_string(value)
    if type(text) is ContextStr:
        element = min(text.context)
        raise NixError(
            f"the string '{text}' is not allowed to refer to a store path "
            f"(such as '{_context_path(element)}')"
        )
    return text


def _context_path(element: str) -> str:
    """The store path's base name, as C++ Nix names it in this message."""
    if element.startswith("="):
        element = element[1:]
    elif element.startswith("!"):
        element = element.split("!", 2)[2]
    return element.rsplit("/", 1)[-1]


def plain_string_arg(
    value: Value,
    name: str,
    position: int | None = 0,
    what: str | None = None,
    span: Any = None,
) -> str:
    """A string without context (C++ ``forceStringNoCtx``)."""
    if type(value) is str:
        return value
    return checked(
        value,
        expect_plain_string,
        name,
        position,
        what,
        catch_all=True,
        span=span,
        error_at_span=True,
    )


def _expect_function(value: Value) -> Value:
    if ops.is_function(value) or (isinstance(value, dict) and "__functor" in value):
        return value
    raise ops.type_error("a function", value)


def function_arg(
    value: Value, name: str, position: int | None = 0, what: str | None = None
) -> Value:
    return checked(value, _expect_function, name, position, what, catch_all=True)


def list_arg(
    value: Value, name: str, position: int | None = 0, what: str | None = None
) -> list[Value]:
    if type(value) is Thunk:
        value = value.force()
    if type(value) is list:
        return value
    return checked(value, ops.expect_list, name, position, what)


def set_arg(
    value: Value, name: str, position: int | None = 0, what: str | None = None
) -> dict[str, Value]:
    if type(value) is Thunk:
        value = value.force()
    if isinstance(value, dict):
        return value
    return checked(value, ops.expect_set, name, position, what)


def bool_arg(value: Value, name: str, position: int | None = 0, what: str | None = None) -> bool:
    if type(value) is bool:
        return value
    return checked(value, ops.expect_bool, name, position, what, catch_all=True)


def coerced_arg(
    value: Value,
    name: str,
    position: int | None = 0,
    context: set[str] | None = None,
    *,
    coerce_more: bool = False,
    copy_to_store: bool = False,
    what: str | None = None,
) -> str:
    """A value coerced to a string as C++ ``coerceToString`` does (its context added to
    ``context``); paths are copied to the store when ``copy_to_store``."""
    if type(value) is Thunk:
        value = value.force()
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if coerce_more and (t is int or t is bool or value is None):
        return ops.coerce_to_string(value, coerce_more=True)  # cannot fail: no message to make
    return ops.coerce_to_string(
        value,
        f"while evaluating {what or describe_arg(name, position)}",
        coerce_more=coerce_more,
        copy_to_store=copy_to_store,
        context=context,
    )
