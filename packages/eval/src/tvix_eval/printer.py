"""Print values as ``nix-instantiate --eval`` prints them.

Lazy printing shows ``<CODE>`` for what is not evaluated yet; strict printing (``--strict``)
forces everything first. A set or list met a second time prints ``«repeated»``, by identity,
as C++ Nix does (empty ones never repeat). C++ Nix keeps the elements of a list of one or two
inside the value that holds it, so such a list is the same only where the same value (a
thunk, in our terms) holds it: a copy of it (returned by a function, selected, ``seq``...)
prints again, though its elements repeat.
"""

from __future__ import annotations

import math
import re
from types import FunctionType
from typing import Any

from tvix_eval.value import Attrs, ContextStr, NixPath, PrimOp, PrimOpApp, Thunk, sorted_names

__all__ = ["format_float", "print_value", "quote_attr_name", "quote_string"]

#: How much of a value an error message shows, as in C++ Nix.
ERROR_MAX_ITEMS = 10
ERROR_MAX_STRING = 1024

Value = Any

#: The longest list C++ Nix keeps inside the value holding it (its elements elsewhere).
_SMALL_LIST = 2

_IDENT = re.compile(r"[a-zA-Z_][a-zA-Z0-9_'-]*\Z")
_KEYWORDS = frozenset({"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit"})
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'["\\\n\r\t]|\$\{')


def quote_string(text: str) -> str:
    """A Nix string literal for ``text``."""
    body = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), "\\${"), text)
    return f'"{body}"'


def quote_attr_name(name: str) -> str:
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return quote_string(name)


def format_float(value: float) -> str:
    """C++ Nix prints floats with ostream's default: 6 significant digits, ``%g`` style."""
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return "%g" % value


def print_value(
    value: Value, *, strict: bool, for_error: bool = False, elide: bool | None = None
) -> str:
    """The text of ``value``. Lazy printing does not force thunks; ``strict`` expects a value
    already deep-forced (the caller forces, so errors surface before any output).

    ``for_error`` prints as messages do (``«thunk»``, ``«lambda @ ...»``); ``elide`` (by
    default as ``for_error``) cuts long lists, sets and strings as error messages do."""
    out: list[str] = []
    _Printer(out, for_error, for_error if elide is None else elide).value(value)
    return "".join(out)


class _Printer:
    def __init__(self, out: list[str], for_error: bool, elide: bool) -> None:
        self.out = out
        self.seen: set[int] = set()
        self.for_error = for_error
        self.elide = elide

    def value(self, v: Value) -> None:
        out = self.out
        holder = v
        if type(v) is Thunk:
            if v.fn is not None:
                out.append("«thunk»" if self.for_error else "<CODE>")
                return
            v = v.value
        t = type(v)
        if t is int:
            out.append(str(v))
        elif t is str or t is ContextStr:
            out.append(self.string(v))
        elif t is bool:
            out.append("true" if v else "false")
        elif v is None:
            out.append("null")
        elif t is float:
            out.append(format_float(v))
        elif t is NixPath:
            out.append(v.path)
        elif t is list:
            self.list(v, holder)
        elif t is dict or t is Attrs:
            self.attrs(v)
        elif t is FunctionType:
            out.append(self.describe_lambda(v) if self.for_error else "<LAMBDA>")
        elif t is PrimOp:
            out.append(f"«primop {v.name}»" if self.for_error else "<PRIMOP>")
        elif t is PrimOpApp:
            out.append(
                f"«partially applied primop {v.primop.name}»" if self.for_error else "<PRIMOP-APP>"
            )
        else:
            raise AssertionError(f"not a Nix value: {v!r}")

    def describe_lambda(self, fn: FunctionType) -> str:
        from tvix_eval.value import LAMBDAS

        info = LAMBDAS.get(fn.__code__)
        if info is None:
            return "«lambda»"
        # Named after the binding it is the value of, as C++ Nix names it.
        name = f"{info.name} " if info.name else ""
        return f"«lambda {name}@ {info.span}»"

    def string(self, text: str) -> str:
        """Quoted; in error messages cut after C++ Nix's 1024 bytes."""
        if not self.elide or len(text) <= ERROR_MAX_STRING // 4:
            return quote_string(text)
        data = text.encode("utf-8", "surrogateescape")
        if len(data) <= ERROR_MAX_STRING:
            return quote_string(text)
        shown = data[:ERROR_MAX_STRING].decode("utf-8", "surrogateescape")
        return f"{quote_string(shown)} «{len(data) - ERROR_MAX_STRING} bytes elided»"

    def list(self, items: list[Value], holder: Value) -> None:
        """``holder``: the thunk ``items`` was found in, or ``items`` itself."""
        if not items:
            self.out.append("[ ]")
            return
        key = id(holder) if len(items) <= _SMALL_LIST else id(items)
        if key in self.seen:
            self.out.append("«repeated»")
            return
        self.seen.add(key)
        self.out.append("[ ")
        shown = items[:ERROR_MAX_ITEMS] if self.elide else items
        for item in shown:
            self.value(item)
            self.out.append(" ")
        if len(shown) < len(items):
            elided = len(items) - len(shown)
            self.out.append(f"«{elided} {'item' if elided == 1 else 'items'} elided» ")
        self.out.append("]")

    def attrs(self, attrs: dict[str, Value]) -> None:
        if not attrs:
            self.out.append("{ }")
            return
        if id(attrs) in self.seen:
            self.out.append("«repeated»")
            return
        self.seen.add(id(attrs))
        self.out.append("{ ")
        names = sorted_names(attrs)
        if self.elide:
            # Error messages show at most 10 attributes, `type` and `_type` first.
            names.sort(key=lambda n: n not in ("type", "_type"))
            shown = names[:ERROR_MAX_ITEMS]
        else:
            shown = names
        for name in shown:
            self.out.append(quote_attr_name(name))
            self.out.append(" = ")
            self.value(attrs[name])
            self.out.append("; ")
        if len(shown) < len(names):
            elided = len(names) - len(shown)
            word = "attribute" if elided == 1 else "attributes"
            self.out.append(f"«{elided} {word} elided» ")
        self.out.append("}")
