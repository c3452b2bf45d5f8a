"""Print a syntax tree exactly as ``nix-instantiate --parse`` prints C++ Nix's.

C++ Nix prints its own tree, which is not ours: operators are calls there (``a - b`` is
``(__sub a b)``, ``a > b`` is ``(__lessThan b a)``, ``a <= b`` is ``(! (__lessThan b a))``),
an application to a call adds an argument to it (``(a - b) c`` is ``(__sub a b c)``), relative
and home paths are already resolved, and strings with interpolations are concatenations. This
module reproduces that text byte for byte, so that every parse can be compared with the
reference's.
"""

from __future__ import annotations

import os
import re

from tvix_eval.syntax import ast
from tvix_eval.syntax.source import Source

__all__ = ["canon_path", "print_expr", "show_attr_path", "show_identifier", "show_string"]

#: Operators that C++ Nix parses into calls of builtins: name, and whether arguments swap.
_CALLS = {"-": ("__sub", False), "*": ("__mul", False), "/": ("__div", False)}
_CALLS.update({"<": ("__lessThan", False), ">": ("__lessThan", True)})
_NEGATED = {"<=": True, ">=": False}  # (! (__lessThan b a)) and (! (__lessThan a b))


def show_string(text: str) -> str:
    """A string literal as C++ Nix's ``printLiteralString`` writes it."""
    out = ['"']
    n = len(text)
    for i, c in enumerate(text):
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif c == "$" and i + 1 < n and text[i + 1] == "{":
            out.append("\\$")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


_RESERVED = frozenset(["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit"])
_IDENTIFIER = re.compile(r"[a-zA-Z_][a-zA-Z0-9_'-]*")


def show_identifier(name: str) -> str:
    """An attribute name as C++ Nix's ``printIdentifier`` writes it: bare if it reads back
    as an identifier, else a string literal."""
    if name in _RESERVED:
        return f'"{name}"'
    if _IDENTIFIER.fullmatch(name):
        return name
    return show_string(name)


def canon_path(path: str) -> str:
    """C++ Nix's ``canonPath``: drop ``.``, ``..`` and repeated slashes, without looking at
    the file system."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def _format_float(value: float) -> str:
    """A float as a C++ ostream prints it by default (``%g``, six significant digits)."""
    if value != value:
        return "-nan" if str(value).startswith("-") else "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return f"{value:g}"


def _sort_key(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


class _Printer:
    def __init__(self, home: str | None) -> None:
        self.home = home if home is not None else os.path.expanduser("~")

    def show(self, e: ast.Expr) -> str:
        method = getattr(self, "show_" + type(e).__name__)
        return method(e)  # type: ignore[no-any-return]

    # -- literals

    def show_Int(self, e: ast.Int) -> str:
        return str(e.value)

    def show_Float(self, e: ast.Float) -> str:
        return _format_float(e.value)

    def show_Str(self, e: ast.Str) -> str:
        pieces = e.pieces if e.pieces is not None else e.parts
        if len(pieces) == 1 and isinstance(pieces[0], str):
            return show_string(pieces[0])
        return self.concat([show_string(p) if isinstance(p, str) else self.show(p) for p in pieces])

    def concat(self, shown: list[str]) -> str:
        return "(" + " + ".join(shown) + ")"

    def show_Path(self, e: ast.Path) -> str:
        pieces = e.pieces if e.pieces is not None else e.parts
        first = pieces[0]
        assert isinstance(first, str)
        start = self.resolve(first, e.kind, e.span.source)
        if len(pieces) == 1:
            return start
        rest = [show_string(p) if isinstance(p, str) else self.show(p) for p in pieces[1:]]
        return self.concat([start, *rest])

    def resolve(self, text: str, kind: ast.PathKind, source: Source) -> str:
        """The path C++ Nix's parser makes of a path token."""
        if kind is ast.PathKind.HOME:
            return self.home + text[1:]
        if kind is ast.PathKind.RELATIVE:
            base = os.path.dirname(source.path) if source.path else os.getcwd()
            path = canon_path(base + "/" + text)
        else:
            path = canon_path(text)
        if text.endswith("/") and len(text) > 1 and not path.endswith("/"):
            path += "/"
        return path

    def show_SearchPath(self, e: ast.SearchPath) -> str:
        return f"(__findFile __nixPath {show_string(e.path)})"

    def show_CurPos(self, e: ast.CurPos) -> str:
        return "__curPos"

    # -- names

    def show_Var(self, e: ast.Var) -> str:
        return e.name

    def attr_path(self, names: list[ast.AttrName]) -> str:
        return ".".join(
            show_identifier(n) if isinstance(n, str) else '"${' + self.show(n) + '}"' for n in names
        )

    def show_Select(self, e: ast.Select) -> str:
        text = f"({self.show(e.expr)}).{self.attr_path(e.path)}"
        if e.default is not None:
            text += f" or ({self.show(e.default)})"
        return text

    def show_HasAttr(self, e: ast.HasAttr) -> str:
        return f"(({self.show(e.expr)}) ? {self.attr_path(e.path)})"

    def show_InheritSource(self, e: ast.InheritSource) -> str:
        raise AssertionError("an inherit source prints with its set")

    # -- sets, lists, bindings

    def bindings(self, s: ast.AttrSet) -> str:
        out: list[str] = []
        names = sorted(s.attrs, key=_sort_key)
        inherited = [n for n in names if s.attrs[n].kind is ast.AttrKind.INHERITED]
        if inherited:
            out.append("inherit " + " ".join(map(show_identifier, inherited)) + "; ")
        groups: dict[int, list[str]] = {}
        for n in names:
            entry = s.attrs[n]
            if entry.kind is ast.AttrKind.INHERITED_FROM:
                assert entry.source is not None
                groups.setdefault(entry.source, []).append(n)
        for index in sorted(groups):
            source = self.show(s.inherit_from[index])
            shown = " ".join(map(show_identifier, groups[index]))
            out.append(f"inherit ({source}) {shown}; ")
        for n in names:
            entry = s.attrs[n]
            if entry.kind is ast.AttrKind.PLAIN:
                out.append(f"{show_identifier(n)} = {self.show(entry.value)}; ")
        for d in s.dynamic:
            out.append(f'"${{{self.show(d.name)}}}" = {self.show(d.value)}; ')
        return "".join(out)

    def show_AttrSet(self, e: ast.AttrSet) -> str:
        return ("rec " if e.recursive else "") + "{ " + self.bindings(e) + "}"

    def show_List(self, e: ast.List) -> str:
        return "[ " + "".join(f"({self.show(x)}) " for x in e.elems) + "]"

    def show_Let(self, e: ast.Let) -> str:
        return f"(let {self.bindings(e.bindings)}in {self.show(e.body)})"

    def show_With(self, e: ast.With) -> str:
        return f"(with {self.show(e.env)}; {self.show(e.body)})"

    def show_Assert(self, e: ast.Assert) -> str:
        return f"assert {self.show(e.cond)}; {self.show(e.body)}"

    def show_If(self, e: ast.If) -> str:
        return f"(if {self.show(e.cond)} then {self.show(e.then)} else {self.show(e.else_)})"

    # -- functions and calls

    def show_Lambda(self, e: ast.Lambda) -> str:
        out = "("
        if e.formals is not None:
            entries = sorted(e.formals.entries, key=lambda f: _sort_key(f.name))
            shown = [
                f.name if f.default is None else f"{f.name} ? {self.show(f.default)}"
                for f in entries
            ]
            if e.formals.ellipsis:
                shown.append("...")
            out += "{ " + ", ".join(shown) + " }"
            if e.param is not None:
                out += " @ "
        if e.param is not None:
            out += e.param
        return out + ": " + self.show(e.body) + ")"

    def call(self, e: ast.Expr) -> list[str] | None:
        """The function and arguments of ``e`` if C++ Nix has a call there, else None."""
        if isinstance(e, ast.Apply):
            head = self.call(e.fn) or [self.show(e.fn)]
            head.append(self.show(e.arg))
            return head
        if isinstance(e, ast.BinOp) and e.op in _CALLS:
            name, swap = _CALLS[e.op]
            left, right = self.show(e.left), self.show(e.right)
            return [name, right, left] if swap else [name, left, right]
        if isinstance(e, ast.UnaryOp) and e.op == "neg":
            return ["__sub", "0", self.show(e.expr)]
        if isinstance(e, ast.SearchPath):
            return ["__findFile", "__nixPath", show_string(e.path)]
        return None

    def show_call(self, e: ast.Expr) -> str:
        parts = self.call(e)
        assert parts is not None
        return "(" + " ".join(parts) + ")"

    show_Apply = show_call

    def show_UnaryOp(self, e: ast.UnaryOp) -> str:
        if e.op == "neg":
            return self.show_call(e)
        return f"(! {self.show(e.expr)})"

    def show_BinOp(self, e: ast.BinOp) -> str:
        if e.op in _CALLS:
            return self.show_call(e)
        if e.op in _NEGATED:
            left, right = self.show(e.left), self.show(e.right)
            a, b = (right, left) if _NEGATED[e.op] else (left, right)
            return f"(! (__lessThan {a} {b}))"
        return f"({self.show(e.left)} {e.op} {self.show(e.right)})"


def print_expr(expr: ast.Expr, *, home: str | None = None) -> str:
    """The text ``nix-instantiate --parse`` prints for ``expr`` (without the final newline).

    Relative paths resolve against their source's folder (the working directory for text
    that is not a file), home paths against ``home`` (default: the user's home).
    """
    return _Printer(home).show(expr)


def show_attr_path(names: list[ast.AttrName]) -> str:
    """An attribute path as C++ Nix's error messages write it (``a."${b}".c``)."""
    return _Printer(None).attr_path(names)
