"""Nix's operators on forced values, with C++ Nix's semantics and error messages.

Compiled code calls these with operands already forced where Nix forces them. They raise
:class:`~tvix_eval.errors.NixError` without a position: the position is that of the compiled
code that called them, found from the traceback when the error is reported.
"""

from __future__ import annotations

import os.path
import sys
from types import FrameType, FunctionType
from typing import Any, Final

from tvix_eval.errors import NixError, TypeMismatch, calling_builtin
from tvix_eval.runtime.active_io import copy_path
from tvix_eval.value import (
    BLACKHOLE,
    EMPTY_CONTEXT,
    Attrs,
    ContextStr,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    attr_position,
    context_of,
    describe,
    force,
    make_string,
)

Value = Any

INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**63 - 1


# -- type checks ------------------------------------------------------------------------------


def show_value(value: Value) -> str:
    """A value as error messages quote it (``found an integer: 1``)."""
    from tvix_eval.printer import print_value

    return print_value(value, strict=False, for_error=True)


def type_error(expected: str, value: Value) -> TypeMismatch:
    return TypeMismatch(f"expected {expected} but found {describe(value)}: {show_value(value)}")


def expect_bool(value: Value) -> bool:
    if type(value) is bool:
        return value
    raise type_error("a Boolean", value)


def expect_int(value: Value) -> int:
    if type(value) is int:
        return value
    raise type_error("an integer", value)


def expect_list(value: Value) -> list[Value]:
    if type(value) is list:
        return value
    raise type_error("a list", value)


def expect_set(value: Value) -> dict[str, Value]:
    if isinstance(value, dict):
        return value
    raise type_error("a set", value)


def expect_string(value: Value) -> str:
    """A string value (not a path, not coerced)."""
    if type(value) is str or type(value) is ContextStr:
        return value  # type: ignore[no-any-return]
    raise type_error("a string", value)


def is_function(value: Value) -> bool:
    t = type(value)
    return t is FunctionType or t is PrimOp or t is PrimOpApp


# -- arithmetic -------------------------------------------------------------------------------


def _overflow(verb: str, a: int, sign: str, b: int) -> NixError:
    return NixError(f"integer overflow in {verb} {a} {sign} {b}")


def check_int(result: int, verb: str, a: int, sign: str, b: int) -> int:
    if INT_MIN <= result <= INT_MAX:
        return result
    raise _overflow(verb, a, sign, b)


def _is_number(t: type) -> bool:
    return t is int or t is float


def _as_builtin(error: NixError, name: str) -> None:
    """C++ Nix evaluates ``-``, ``*``, ``/`` and ``<`` as calls of builtins: their errors
    say so, and the position is the call's, not the error's."""
    error.add_trace(calling_builtin(name), frame=sys._getframe(2))
    error.positioned = False


def sub(a: Value, b: Value) -> Value:
    """The ``-`` operator (and unary minus, as ``0 - a``): C++ Nix's ``__sub``."""
    if type(a) is int and type(b) is int:
        r = a - b
        if INT_MIN <= r <= INT_MAX:
            return r
    try:
        return prim_sub(a, b)
    except NixError as e:
        _as_builtin(e, "sub")
        raise


def mul(a: Value, b: Value) -> Value:
    """The ``*`` operator: C++ Nix's ``__mul``."""
    if type(a) is int and type(b) is int:
        r = a * b
        if INT_MIN <= r <= INT_MAX:
            return r
    try:
        return prim_mul(a, b)
    except NixError as e:
        _as_builtin(e, "mul")
        raise


def div(a: Value, b: Value) -> Value:
    """The ``/`` operator: C++ Nix's ``__div``."""
    try:
        return prim_div(a, b)
    except NixError as e:
        _as_builtin(e, "div")
        raise


def less_than(a: Value, b: Value) -> bool:
    if type(a) is int and type(b) is int:
        return a < b  # type: ignore[no-any-return]
    try:
        return raw_less_than(a, b)
    except NixError as e:
        _as_builtin(e, "lessThan")
        raise


# -- comparison -------------------------------------------------------------------------------


def raw_less_than(a: Value, b: Value) -> bool:
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return a < b  # type: ignore[no-any-return]
    if _is_number(ta) and _is_number(tb):
        return a < b  # type: ignore[no-any-return]
    if (ta is str or ta is ContextStr) and (tb is str or tb is ContextStr):
        if a.isascii() and b.isascii():
            return str.__lt__(a, b)  # type: ignore[no-any-return]
        return _bytes_of(a) < _bytes_of(b)
    if ta is NixPath and tb is NixPath:
        return _bytes_of(a.path) < _bytes_of(b.path)
    if ta is list and tb is list:
        for x, y in zip(a, b, strict=False):
            x, y = force(x), force(y)
            if not equal(x, y):
                try:
                    return raw_less_than(x, y)
                except NixError as e:
                    e.add_trace("while comparing two list elements")
                    raise
        return len(a) < len(b)
    suffix = "; values of that type are incomparable" if describe(a) == describe(b) else ""
    raise NixError(f"cannot compare {describe(a)} with {describe(b)}{suffix}")


def _bytes_of(text: str) -> bytes:
    """Nix compares strings byte-wise (code point order differs for surrogate escapes)."""
    return text.encode("utf-8", "surrogateescape")


def equal(a: Value, b: Value) -> bool:
    """``==`` on forced values, recursing into lists and sets."""
    ta, tb = type(a), type(b)
    if ta is int or ta is float:
        if tb is ta:
            return a == b  # type: ignore[no-any-return]
        return (tb is int or tb is float) and float(a) == float(b)
    if ta is str or ta is ContextStr:
        return (tb is str or tb is ContextStr) and str.__eq__(a, b)
    if ta is not tb:
        return (ta is dict or ta is Attrs) and (tb is dict or tb is Attrs) and _sets_equal(a, b)
    if ta is bool or a is None:
        return a is b
    if ta is NixPath:
        return a.path == b.path  # type: ignore[no-any-return]
    if ta is list:
        return len(a) == len(b) and all(
            x is y or equal(force(x), force(y)) for x, y in zip(a, b, strict=True)
        )
    if ta is dict or ta is Attrs:
        return _sets_equal(a, b)
    return False


def _sets_equal(a: dict[str, Value], b: dict[str, Value]) -> bool:
    if is_derivation(a) and is_derivation(b):
        pa, pb = a.get("outPath"), b.get("outPath")
        if pa is not None and pb is not None:
            return equal(force(pa), force(pb))
    if len(a) != len(b):
        return False
    for key in sorted(a):
        if key not in b:
            return False
        x, y = a[key], b[key]
        if x is not y and not equal(force(x), force(y)):
            return False
    return True


def is_derivation(value: dict[str, Value]) -> bool:
    kind = value.get("type")
    if kind is None:
        return False
    kind = force(kind)
    return (type(kind) is str or type(kind) is ContextStr) and kind == "derivation"


# -- lists and sets ---------------------------------------------------------------------------


def concat_lists(a: Value, b: Value) -> list[Value]:
    for operand in (a, b):
        if type(operand) is not list:
            error = type_error("a list", operand)
            error.add_trace(
                "while evaluating one of the elements to concatenate", frame=sys._getframe(1)
            )
            error.positioned = False
            raise error
    if not a:
        return b  # type: ignore[no-any-return]
    if not b:
        return a  # type: ignore[no-any-return]
    return a + b  # type: ignore[no-any-return]


def update(a: Value, b: Value) -> dict[str, Value]:
    for operand, side in ((a, "left"), (b, "right")):
        if not isinstance(operand, dict):
            error = type_error("a set", operand)
            error.add_trace(
                f"in the {side} operand of the update (//) operator", frame=sys._getframe(1)
            )
            error.positioned = False
            raise error
    if not b:
        return a  # type: ignore[no-any-return]
    if not a:
        return b  # type: ignore[no-any-return]
    ta, tb = type(a), type(b)
    if ta is dict and tb is dict:
        merged = dict(a)
        merged.update(b)
        return merged
    result = Attrs(a)
    result.update(b)
    # C++ Nix keeps each attribute's position: the right operand's win, as its values do.
    left = a.positions if ta is Attrs else dict.fromkeys(a)
    right = b.positions if tb is Attrs else dict.fromkeys(b)
    result.positions = {**left, **right}
    return result


def missing_attribute(name: str, attrs: dict[str, Value]) -> NixError:
    """``attribute 'x' missing``, with C++ Nix's suggestions of similar names."""
    error = NixError(f"attribute '{name}' missing")
    error.suggestions = similar_names(name, attrs)
    return error


def similar_names(name: str, candidates: dict[str, Value] | list[str]) -> list[str]:
    """Names within edit distance 2 of ``name``, as C++ Nix suggests them (the nearest five,
    alphabetical among equals)."""
    scored = []
    for candidate in candidates:
        distance = _levenshtein(name, candidate)
        if distance <= 2:
            scored.append((distance, candidate))
    scored.sort()
    return [c for _, c in scored[:5]]


def _levenshtein(a: str, b: str) -> int:
    if abs(len(a) - len(b)) > 2:
        return 3
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _not_a_set(value: Value, selecting: FrameType) -> NixError:
    """Selecting from ``value``, which is no set, in the compiled frame ``selecting``."""
    error = type_error("a set", value)
    error.add_trace("while selecting an attribute", frame=selecting)
    error.positioned = False
    return error


def select(value: Value, name: str) -> Value:
    """``value.name`` for a forced ``value``, forced."""
    if not isinstance(value, dict):
        raise _not_a_set(value, sys._getframe(1))
    try:
        found = value[name]
    except KeyError:
        raise missing_attribute(name, value) from None
    if type(found) is not Thunk:
        return found
    try:
        return found.force()
    except NixError as e:
        position = attr_position(value, name)
        if found.fn is BLACKHOLE and not e.located:
            # This very attribute is being computed: C++ Nix reports it at the attribute.
            e.span, e.located = position, position is not None
        if position is not None:  # attributes made by builtins: C++ Nix adds no line
            e.forced_here(position, sys._getframe())  # C++ Nix forces it at the attribute
            e.add_trace(f"while evaluating the attribute '{name}'", position)
        raise


def select_path(value: Value, names: list[str]) -> Value:
    """``value.a.b.c`` for a forced ``value``, forced. Whatever fails on the way, C++ Nix
    blames the whole path, at the last attribute reached."""
    position = None
    try:
        for name in names:
            if type(value) is Thunk:
                value = value.force()
            if not isinstance(value, dict):
                raise _not_a_set(value, sys._getframe(1))
            try:
                found = value[name]
            except KeyError:
                raise missing_attribute(name, value) from None
            position = attr_position(value, name)
            value = found
        if type(value) is not Thunk:
            return value
        try:
            return value.force()
        except NixError as e:
            if position is not None:  # C++ Nix forces the value found at its attribute
                e.forced_here(position, sys._getframe())
            raise
    except NixError as e:
        if position is not None:
            e.add_trace(f"while evaluating the attribute '{'.'.join(names)}'", position)
        raise


def attr_name(value: Value) -> str | None:
    """A dynamic attribute name: a string, or null (the attribute is then skipped)."""
    if value is None:
        return None
    if type(value) is str or type(value) is ContextStr:
        return str(value)
    raise type_error("a string", value)


# -- strings ----------------------------------------------------------------------------------


def _describe_for_coercion(value: Value) -> str:
    if type(value) is PrimOp:
        return f"the built-in function '{value.name}'"
    if type(value) is PrimOpApp:
        return f"the partially applied built-in function '{value.primop.name}'"
    return describe(value)


def string_length_bytes(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogateescape"))


def join_path(base: str, tail: str) -> str:
    """Append text to a path and normalise it as C++ Nix's canonPath does."""
    return canon_path(base + tail)


def canon_path(path: str) -> str:
    """Absolute, without ``.``, ``..``, repeated or trailing slashes (no symlink resolution)."""
    result = os.path.normpath(path)
    if result.startswith("//"):
        result = "/" + result.lstrip("/")
    return result


def add(a: Value, b: Value, spans: Any = None) -> Value:
    """Binary ``+``, which C++ Nix evaluates as a two-part string/path/number concatenation."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        r = a + b
        if INT_MIN <= r <= INT_MAX:
            return r
        raise _overflow("adding", a, "+", b)
    if ta is int or ta is float:
        if tb is int or tb is float:
            return float(a) + float(b)
        kind = "an integer" if ta is int else "a float"
        raise TypeMismatch(f"cannot add {describe(b)} to {kind}")
    return concat_strings([a, b], spans)


def concat_strings(
    parts: list[Value], spans: Any = None, force_string: bool = False
) -> Value:
    """String interpolation and ``+`` on strings and paths: the type of the first part
    decides whether the result is a string or a path."""
    first = parts[0]
    if type(first) is NixPath and not force_string:
        tail = []
        for i, part in enumerate(parts[1:], 1):
            context: set[str] = set()
            text = coerce_to_string(
                part,
                "while evaluating a path segment",
                copy_to_store=False,
                context=context,
                span=spans[i] if spans else None,
            )
            if context:
                raise NixError("a string that refers to a store path cannot be appended to a path")
            tail.append(text)
        return NixPath(join_path(first.path, "".join(tail)))
    context = set()
    texts = []
    for i, part in enumerate(parts):
        if type(part) is str:
            texts.append(part)
            continue
        texts.append(
            coerce_to_string(
                part,
                "while evaluating a path segment",
                context=context,
                span=spans[i] if spans else None,
            )
        )
    return make_string("".join(texts), frozenset(context) if context else EMPTY_CONTEXT)


def interpolate(parts: list[Value], spans: Any = None) -> str:
    """``"a${b}c"``: always a string."""
    return concat_strings(parts, spans, force_string=True)  # type: ignore[no-any-return]


# -- C++ Nix's arithmetic primops ------------------------------------------------------------
#
# ``builtins.add``/``sub``/``mul``/``div`` as C++ Nix 2.26 implements them (prim_add...):
# both operands forced, floats win, and each operand checked with its own trace line.
# The operators ``-``, ``*`` and ``/`` are these same primops in C++ Nix.


def _arith_operand(value: Value, want_float: bool, which: str, operation: str) -> Value:
    """``value`` if it is a number the operation takes, else the error saying it is the
    ``which`` (operand) of the ``operation``."""
    t = type(value)
    if t is int or (want_float and t is float):
        return value
    error = type_error("a float" if want_float else "an integer", value)
    error.add_trace(f"while evaluating the {which} of the {operation}")
    raise error


def _arith(a: Value, b: Value, operation: str, first: str) -> tuple[Value, Value, bool]:
    floats = type(a) is float or type(b) is float
    a = _arith_operand(a, floats, first, operation)
    b = _arith_operand(b, floats, "second argument", operation)
    return a, b, floats


def prim_add(a: Value, b: Value) -> Value:
    """``builtins.add`` on forced operands: numbers only (no string concatenation)."""
    a, b, floats = _arith(a, b, "addition", "first argument")
    if floats:
        return float(a) + float(b)
    return check_int(a + b, "adding", a, "+", b)


def prim_sub(a: Value, b: Value) -> Value:
    a, b, floats = _arith(a, b, "subtraction", "first argument")
    if floats:
        return float(a) - float(b)
    return check_int(a - b, "subtracting", a, "-", b)


def prim_mul(a: Value, b: Value) -> Value:
    # "the first of the multiplication" for floats: C++ Nix 2.26's own wording.
    floats = type(a) is float or type(b) is float
    a, b, floats = _arith(a, b, "multiplication", "first" if floats else "first argument")
    if floats:
        return float(a) * float(b)
    return check_int(a * b, "multiplying", a, "*", b)


def prim_div(a: Value, b: Value) -> Value:
    """``builtins.div``: the divisor is checked (and compared with zero) first."""
    divisor = _arith_operand(b, True, "second operand", "division")
    if divisor == 0:
        raise NixError("division by zero")
    if type(a) is float or type(b) is float:
        return float(_arith_operand(a, True, "first operand", "division")) / float(divisor)
    a = _arith_operand(a, False, "first operand", "division")
    if a == INT_MIN and b == -1:
        raise _overflow("dividing", a, "/", b)
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


# -- string coercion with C++ Nix's traces -----------------------------------------------------


def coerce_to_string(
    value: Value,
    error_ctx: str | None = None,
    *,
    coerce_more: bool = False,
    copy_to_store: bool = True,
    context: set[str] | None = None,
    span: Any = None,
) -> str:
    """C++ Nix's ``coerceToString`` on a forced value: strings, paths, sets with
    ``__toString``/``outPath``, and with ``coerce_more`` also null, Booleans, numbers and
    lists (as ``toString`` does). ``context`` collects the string context.

    With its trace lines: ``error_ctx`` (if given), at ``span``, on a value that cannot be
    coerced (and on any error in a list element), ``while evaluating the result of the
    `__toString` attribute`` and ``while evaluating one element of the list`` for what is
    coerced inside; a ``__toString`` that is no function is blamed at ``span``. Paths go
    into the store by the evaluation's I/O when ``copy_to_store``."""
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if t is ContextStr:
        if context is not None:
            context.update(value.context)
        return str(value)
    if t is NixPath:
        if copy_to_store:
            # The evaluation's I/O copies it (tvix-eval alone has no store: an error).
            stored = copy_path(value)
            if context is not None:
                context.add(stored)
            return stored  # type: ignore[no-any-return]
        return value.path  # type: ignore[no-any-return]
    if coerce_more:
        if t is int:
            return str(value)
        if value is None or value is False:
            return ""
        if value is True:
            return "1"
        if t is float:
            return "%f" % value
    more = {
        "coerce_more": coerce_more,
        "copy_to_store": copy_to_store,
        "context": context,
        "span": span,
    }
    if t is dict or t is Attrs:
        to_string = value.get("__toString")
        if to_string is not None:
            from tvix_eval.runtime.calls import call_at

            result = force(call_at(force(to_string), value, span))
            return coerce_to_string(
                result, "while evaluating the result of the `__toString` attribute", **more
            )
        out_path = value.get("outPath")
        if out_path is not None:
            return coerce_to_string(force(out_path), error_ctx, **more)
    elif coerce_more and t is list:
        return _coerce_list(value, error_ctx, more)
    error = TypeMismatch(
        f"cannot coerce {_describe_for_coercion(value)} to a string: {show_value(value)}"
    )
    error.positioned = False
    if error_ctx is not None:
        error.add_trace(error_ctx, span)
    raise error


def _coerce_list(items: list[Value], error_ctx: str | None, more: dict[str, Any]) -> str:
    parts = []
    last = len(items) - 1
    for i, item in enumerate(items):
        try:
            item = force(item)
            parts.append(coerce_to_string(item, "while evaluating one element of the list", **more))
        except NixError as e:
            if error_ctx is not None:
                e.add_trace(error_ctx)
            raise
        # C++ Nix separates elements with a space, except after an empty list.
        if i < last and not (type(item) is list and not item):
            parts.append(" ")
    return "".join(parts)


__all__ = [
    "INT_MAX",
    "INT_MIN",
    "add",
    "attr_name",
    "canon_path",
    "check_int",
    "coerce_to_string",
    "concat_lists",
    "concat_strings",
    "context_of",
    "div",
    "equal",
    "expect_bool",
    "expect_int",
    "expect_list",
    "expect_set",
    "expect_string",
    "interpolate",
    "is_function",
    "less_than",
    "mul",
    "prim_add",
    "prim_div",
    "prim_mul",
    "prim_sub",
    "select",
    "string_length_bytes",
    "sub",
    "update",
]

_ = Thunk  # re-exported for compiled code's convenience
