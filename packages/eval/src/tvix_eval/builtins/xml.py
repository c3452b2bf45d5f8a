"""Values as C++ Nix's XML: ``builtins.toXML`` and ``nix-instantiate --eval --xml``.

The format is C++ Nix's own (``<expr>``, ``<attrs>``, ``<attr name=...>``, ``<function>``...),
byte for byte: two spaces of indentation per level, attributes of an element sorted by name,
and only ``< > & "`` and newlines escaped. Forcing is done while printing, so an error in the
middle leaves the elements opened so far closed and the text up to there printed, as C++
Nix's writer does when it is unwound.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import FunctionType
from typing import Any

from tvix_eval.builtins.registry import builtin
from tvix_eval.printer import format_float
from tvix_eval.runtime.ops import is_derivation
from tvix_eval.syntax.source import Span
from tvix_eval.value import (
    LAMBDAS,
    Attrs,
    ContextStr,
    NixPath,
    Thunk,
    attr_position,
    context_of,
    make_string,
    sorted_names,
)

__all__ = ["XmlWriter", "to_xml"]

Value = Any

_ESCAPES = str.maketrans({"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "\n": "&#xA;"})


class XmlWriter:
    """Writes one value as an ``<expr>`` document into ``out``.

    ``strict`` forces values as they are reached (otherwise what is not yet evaluated is
    ``<unevaluated />``); ``location`` adds where attributes and functions were defined.
    ``context`` collects the string contexts of the strings written."""

    def __init__(self, out: list[str], *, strict: bool, location: bool) -> None:
        self.out = out
        self.strict = strict
        self.location = location
        self.context: set[str] = set()
        self.depth = 0
        self.derivations_seen: set[str] = set()

    def document(self, value: Value) -> None:
        self.out.append("<?xml version='1.0' encoding='utf-8'?>\n")
        with self.element("expr"):
            self.value(value)

    # -- elements --------------------------------------------------------------------------

    def _start(self, name: str, attrs: dict[str, str] | None) -> None:
        self.out.append("  " * self.depth + "<" + name)
        if attrs:
            for key in sorted(attrs):
                self.out.append(f' {key}="{attrs[key].translate(_ESCAPES)}"')

    def empty(self, name: str, attrs: dict[str, str] | None = None) -> None:
        self._start(name, attrs)
        self.out.append(" />\n")

    @contextmanager
    def element(self, name: str, attrs: dict[str, str] | None = None) -> Iterator[None]:
        """An element whose content is written inside the ``with``; it is closed even when
        that content fails."""
        self._start(name, attrs)
        self.out.append(">\n")
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            self.out.append("  " * self.depth + f"</{name}>\n")

    def position(self, attrs: dict[str, str], span: Span | None) -> dict[str, str]:
        if self.location and span is not None:
            if span.source.path is not None:
                attrs["path"] = span.source.path
            line, column = span.source.line_col(span.start)
            attrs["line"] = str(line)
            attrs["column"] = str(column)
        return attrs

    # -- values ----------------------------------------------------------------------------

    def current(self, value: Value) -> Value:
        """``value`` forced when printing strictly; otherwise as far as it is evaluated."""
        if type(value) is Thunk:
            if self.strict:
                return value.force()
            if value.fn is None:
                return value.value
        return value

    def value(self, value: Value) -> None:
        value = self.current(value)
        t = type(value)
        if t is int:
            self.empty("int", {"value": str(value)})
        elif t is bool:
            self.empty("bool", {"value": "true" if value else "false"})
        elif t is str or t is ContextStr:
            self.context.update(context_of(value))
            self.empty("string", {"value": str(value)})
        elif t is NixPath:
            self.empty("path", {"value": value.path})
        elif value is None:
            self.empty("null")
        elif t is float:
            self.empty("float", {"value": format_float(value)})
        elif t is list:
            with self.element("list"):
                for item in value:
                    self.value(item)
        elif t is dict or t is Attrs:
            self.attrs(value)
        elif t is FunctionType and value.__code__ in LAMBDAS:
            self.function(value)
        else:  # a thunk not forced, a primop: C++ Nix has no XML for these
            self.empty("unevaluated")

    def attrs(self, attrs: dict[str, Value]) -> None:
        if not is_derivation(attrs):
            with self.element("attrs"):
                self.attributes(attrs)
            return
        header: dict[str, str] = {}
        drv_path = self._string_attr(attrs, "drvPath", header)
        self._string_attr(attrs, "outPath", header)
        with self.element("derivation", header):
            if drv_path and drv_path not in self.derivations_seen:
                self.derivations_seen.add(drv_path)
                self.attributes(attrs)
            else:
                self.empty("repeated")

    def _string_attr(self, attrs: dict[str, Value], name: str, header: dict[str, str]) -> str:
        if name not in attrs:
            return ""
        value = self.current(attrs[name])
        if type(value) is str or type(value) is ContextStr:
            header[name] = str(value)
            return str(value)
        return ""

    def attributes(self, attrs: dict[str, Value]) -> None:
        for name in sorted_names(attrs):
            with self.element("attr", self.position({"name": name}, attr_position(attrs, name))):
                self.value(attrs[name])

    def function(self, fn: FunctionType) -> None:
        info = LAMBDAS[fn.__code__]
        with self.element("function", self.position({}, info.span)):
            if info.formals is None:
                self.empty("varpat", {"name": info.param or ""})
                return
            pattern: dict[str, str] = {}
            if info.param is not None:
                pattern["name"] = info.param
            if info.ellipsis:
                pattern["ellipsis"] = "1"
            with self.element("attrspat", pattern):
                for formal in info.formals:  # sorted by name already
                    self.empty("attr", {"name": formal.name})


@builtin("toXML", 1)
def to_xml(value: Value) -> str:
    out: list[str] = []
    writer = XmlWriter(out, strict=True, location=False)
    writer.document(value)
    return make_string("".join(out), frozenset(writer.context))
