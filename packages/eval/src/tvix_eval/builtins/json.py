"""``toJSON`` and ``fromJSON``, with C++ Nix's formatting and messages (C++ Nix uses
nlohmann::json: its number formatting and its parse errors are reproduced here)."""

from __future__ import annotations

import math
import sys
from typing import Any

from tvix_eval.builtins.arguments import string_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError, TypeMismatch
from tvix_eval.runtime import ops
from tvix_eval.runtime.active_io import copy_path
from tvix_eval.value import (
    LAMBDAS,
    READY,
    Attrs,
    ContextStr,
    NixPath,
    PrimOp,
    PrimOpApp,
    Thunk,
    attr_position,
    force,
    make_string,
    sorted_names,
)

__all__ = ["JsonSerializationError", "format_json_float", "to_json"]

Value = Any


@builtin("toJSON", 1)
def to_json_builtin(value: Value) -> str:
    try:
        return to_json(value)
    except JsonSerializationError as e:
        # An error of the builtin, met before anything was written out.
        raise NixError(e.message) from None


def to_json(value: Value, lazy: bool = False) -> str:
    """``value`` as JSON, forcing what it holds; or, ``lazy``, refusing what is not evaluated
    yet, as ``nix-instantiate --eval --json`` without ``--strict`` refuses it. A string
    that is not UTF-8 raises :class:`JsonSerializationError`, with what was written before
    it."""
    context: set[str] = set()
    out: list[str] = []
    try:
        _write_json(force(value), out, context, None, lazy, 1)
    except JsonSerializationError as e:
        e.written = "".join(out) + '"'  # up to the string it could not write
        raise
    return make_string("".join(out), frozenset(context))


def _inner(value: Value, span: Any, lazy: bool) -> Value:
    """A value inside the one being written: forced, or refused if ``lazy`` and a thunk."""
    if lazy and type(value) is Thunk and value.fn is not None and value.fn is not READY:
        error = TypeMismatch("cannot convert a thunk to JSON")
        if span is not None:
            error.span, error.located = span, True
        else:
            error.positioned = False
        raise error
    return force(value)


#: How many values C++ Nix's JSON writer can nest (one in another, an ``outPath`` counting as
#: one) before its C stack overflows, when ``toJSON`` or ``--json`` is called from the top
#: (give or take a few from run to run; about three fewer per Nix call in progress, which
#: this fixed figure does not follow). Our stack, made for deep Nix recursion, would go on
#: well past it and print what C++ Nix cannot.
MAX_JSON_DEPTH = 99_838


def _write_json(
    value: Value, out: list[str], context: set[str], span: Any, lazy: bool, depth: int
) -> None:
    if depth > MAX_JSON_DEPTH:
        # Reported as Python's stack running out is: C++ Nix's own stack overflow.
        raise RecursionError("JSON nested deeper than C++ Nix's stack allows")
    t = type(value)
    if t is str or t is ContextStr:
        context.update(getattr(value, "context", ()))
        out.append(_json_string(value))
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int:
        out.append(str(value))
    elif t is float:
        out.append(format_json_float(value))
    elif value is None:
        out.append("null")
    elif t is NixPath:
        stored = copy_path(value)
        context.add(stored)
        out.append(_json_string(stored))
    elif t is list:
        _write_list(value, out, context, span, lazy, depth)
    elif t is dict or t is Attrs:
        _write_attrs(value, out, context, span, lazy, depth)
    else:
        raise _not_convertible(value, span)


def _write_list(
    items: list[Value], out: list[str], context: set[str], span: Any, lazy: bool, depth: int
) -> None:
    out.append("[")
    for i, item in enumerate(items):
        if i:
            out.append(",")
        try:
            _write_json(_inner(item, span, lazy), out, context, span, lazy, depth + 1)
        except JsonSerializationError:
            raise  # C++ Nix meets it writing the finished JSON: no line for where
        except NixError as e:
            _forced_here(e, span)
            e.add_trace(f"while evaluating list element at index {i}", span)
            raise
    out.append("]")


def _write_attrs(
    attrs: dict[str, Value], out: list[str], context: set[str], span: Any, lazy: bool, depth: int
) -> None:
    if "__toString" in attrs:
        text = ops.coerce_to_string(attrs, "", copy_to_store=False, context=context)
        out.append(_json_string(text))
        return
    if "outPath" in attrs:
        position = attr_position(attrs, "outPath")
        inner = _inner(attrs["outPath"], position, lazy)
        _write_json(inner, out, context, position, lazy, depth + 1)
        return
    out.append("{")
    for i, name in enumerate(sorted_names(attrs)):
        if i:
            out.append(",")
        out.append(_json_string(name))
        out.append(":")
        item = attrs[name]
        position = attr_position(attrs, name)
        try:
            _write_json(_inner(item, position, lazy), out, context, position, lazy, depth + 1)
        except JsonSerializationError:
            raise
        except NixError as e:
            _forced_here(e, position)
            e.add_trace(f"while evaluating attribute '{name}'", position)
            raise
    out.append("}")


def _forced_here(error: NixError, position: Any) -> None:
    """Note where this writer forced the value that failed: C++ Nix forces an attribute
    at its position (none for sets made by builtins), a list element at the list's."""
    error.forced_here(position, sys._getframe(1))


def _not_convertible(value: Value, span: Any) -> NixError:
    if type(value) is PrimOp:
        what = f"the built-in function '{value.name}'"
    elif type(value) is PrimOpApp:
        what = f"the partially applied built-in function '{value.primop.name}'"
    else:
        what = "a function"
        info = LAMBDAS.get(getattr(value, "__code__", None))  # type: ignore[arg-type]
        if info is not None:
            span = info.span
    error = TypeMismatch(f"cannot convert {what} to JSON")
    if span is not None:
        error.span, error.located = span, True
    else:
        error.positioned = False
    return error


def _json_string(text: str) -> str:
    """A JSON string literal as nlohmann::json writes it (UTF-8 kept, only ``"``, ``\\``
    and control characters escaped); bytes that are not UTF-8 are its error."""
    import json  # loaded on first use, not with the other builtins at start-up

    if not text.isascii():
        _check_utf8(text)
    return json.dumps(str(text), ensure_ascii=False)


class JsonSerializationError(NixError):
    """A string that is not UTF-8, which nlohmann::json refuses to write. ``written`` is
    what the ``--json`` output had written before it, as nix-instantiate streams it."""

    written = ""


#: The continuation bytes allowed after a UTF-8 lead byte (the first of them, then the
#: others), as nlohmann::json's decoder checks them: no overlong forms, no surrogates,
#: nothing above U+10FFFF.
_FIRST_CONTINUATION = {
    0xE0: (0xA0, 0xBF),
    0xED: (0x80, 0x9F),
    0xF0: (0x90, 0xBF),
    0xF4: (0x80, 0x8F),
}


def _check_utf8(text: str) -> None:
    """Raise nlohmann::json's error if ``text`` (bytes as surrogate escapes) is not UTF-8."""
    data = text.encode("utf-8", "surrogateescape")
    i, n = 0, len(data)
    while i < n:
        lead = data[i]
        if lead < 0x80:
            i += 1
            continue
        if 0xC2 <= lead <= 0xDF:
            more = 1
        elif 0xE0 <= lead <= 0xEF:
            more = 2
        elif 0xF0 <= lead <= 0xF4:
            more = 3
        else:
            raise _utf8_error(f"invalid UTF-8 byte at index {i}: 0x{lead:02X}")
        low, high = _FIRST_CONTINUATION.get(lead, (0x80, 0xBF))
        for k in range(1, more + 1):
            if i + k >= n:
                raise _utf8_error(f"incomplete UTF-8 string; last byte: 0x{data[-1]:02X}")
            byte = data[i + k]
            if not low <= byte <= high:
                raise _utf8_error(f"invalid UTF-8 byte at index {i + k}: 0x{byte:02X}")
            low, high = 0x80, 0xBF
        i += more + 1


def _utf8_error(detail: str) -> JsonSerializationError:
    return JsonSerializationError(
        f"JSON serialization error: [json.exception.type_error.316] {detail}"
    )


def format_json_float(value: float) -> str:
    """A float as nlohmann::json prints it: the shortest digits that read back the same,
    plain between 1e-4 and 1e15 (always with a fraction), otherwise ``1.5e-07``."""
    if math.isnan(value) or math.isinf(value):
        return "null"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    if fraction == "0":
        fraction = ""
    digits = (whole + fraction).lstrip("0")
    # value = 0.<digits> * 10**n
    n = len(whole.lstrip("0")) + int(exponent or 0)
    if not whole.lstrip("0"):
        n = int(exponent or 0) - (len(fraction) - len(fraction.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 15:
        return f"{sign}{digits}{'0' * (n - k)}.0"
    if 0 < n <= 15:
        return f"{sign}{digits[:n]}.{digits[n:]}"
    if -4 < n <= 0:
        return f"{sign}0.{'0' * -n}{digits}"
    body = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
    e = n - 1
    return f"{sign}{body}e{'-' if e < 0 else '+'}{abs(e):02d}"


@builtin("fromJSON", 1)
def from_json(text: Value) -> Value:
    from tvix_eval.builtins.json_parser import parse_json

    return parse_json(str(string_arg(text, "fromJSON", 0)))
