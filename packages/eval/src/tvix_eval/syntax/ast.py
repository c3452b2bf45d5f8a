"""The syntax tree of a Nix expression, as the parser produces it and the compiler reads it.

It is close to C++ Nix's own tree, because several of its checks happen at parse time there
and must happen at parse time here too: nested attribute paths are already merged
(``a.b = 1; a.c = 2;`` is one attribute ``a`` holding a set), duplicate attributes and formals
are already refused, and indented strings are already stripped of their indentation.

Every node has a ``span``. Binding structure stays explicit (static attributes by name,
dynamic ones apart, ``inherit`` kept as such) because the compiler resolves variables before
run time.

The classes are what ``@dataclass(slots=True)`` would make of them (slots in field order, as
the compiler walks them; ``__match_args__``; equality by fields, no hashing, the same
``repr``), written out: creating some thirty dataclasses took a tenth of every ``tvix``
command's start-up.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar

from tvix_eval.syntax.source import Span

__all__ = [
    "Apply",
    "Assert",
    "AttrEntry",
    "AttrKind",
    "AttrSet",
    "BinOp",
    "CurPos",
    "DynamicAttr",
    "Expr",
    "Float",
    "Formal",
    "Formals",
    "HasAttr",
    "If",
    "InheritSource",
    "Int",
    "Lambda",
    "Let",
    "List",
    "Path",
    "PathKind",
    "SearchPath",
    "Select",
    "Str",
    "UnaryOp",
    "Var",
    "With",
]


class _Node:
    """Equality and ``repr`` by the fields, as a dataclass has them (the fields are the
    ``__match_args__``); nodes are mutable, hence unhashable."""

    __slots__ = ()
    __match_args__: ClassVar[tuple[str, ...]] = ()
    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__match_args__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined,no-any-return]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{self.__class__.__qualname__}({fields})"


class Expr(_Node):
    __slots__ = ("span",)
    __match_args__ = ("span",)

    def __init__(self, span: Span) -> None:
        self.span = span


# -- literals ---------------------------------------------------------------------------------


class Int(Expr):
    __slots__ = ("value",)
    __match_args__ = ("span", "value")

    def __init__(self, span: Span, value: int) -> None:
        self.span = span
        self.value = value


class Float(Expr):
    __slots__ = ("value",)
    __match_args__ = ("span", "value")

    def __init__(self, span: Span, value: float) -> None:
        self.span = span
        self.value = value


class Str(Expr):
    """A string, plain or indented, or a URI. Literal text pieces alternate with
    interpolated expressions; adjacent literal pieces are already joined, and a string
    without interpolation has exactly one piece (``[""]`` for the empty string).

    ``pieces`` keeps the pieces as C++ Nix keeps them when they differ from ``parts``
    (an indented string cut by escapes, as ``''a''$b''``), None otherwise: only
    ``nix-instantiate --parse``'s printer shows the difference."""

    __slots__ = ("parts", "pieces")
    __match_args__ = ("span", "parts", "pieces")

    def __init__(
        self, span: Span, parts: list[str | Expr], pieces: list[str | Expr] | None = None
    ) -> None:
        self.span = span
        self.parts = parts
        self.pieces = pieces


class PathKind(Enum):
    ABSOLUTE = "absolute"  # /a/b
    RELATIVE = "relative"  # ./a, ../a, a/b: resolved against the file's folder
    HOME = "home"  # ~/a


class Path(Expr):
    """A path literal. ``parts`` is as in :class:`Str` (paths may interpolate). The text is
    as written: resolving relative and home paths is the compiler's business. ``pieces`` is
    as in :class:`Str`; its first piece is always the path's first token (``./a/`` of
    ``./a/${b}``)."""

    __slots__ = ("kind", "parts", "pieces")
    __match_args__ = ("span", "kind", "parts", "pieces")

    def __init__(
        self,
        span: Span,
        kind: PathKind,
        parts: list[str | Expr],
        pieces: list[str | Expr] | None = None,
    ) -> None:
        self.span = span
        self.kind = kind
        self.parts = parts
        self.pieces = pieces


class SearchPath(Expr):
    """``<nixpkgs/lib>``: ``path`` is the text between the angle brackets."""

    __slots__ = ("path",)
    __match_args__ = ("span", "path")

    def __init__(self, span: Span, path: str) -> None:
        self.span = span
        self.path = path


class CurPos(Expr):
    """``__curPos``: the position of this very token."""

    __slots__ = ()


class List(Expr):
    """``[ a b c ]``: each element is lazy, as an attribute value is."""

    __slots__ = ("elems",)
    __match_args__ = ("span", "elems")

    def __init__(self, span: Span, elems: list[Expr]) -> None:
        self.span = span
        self.elems = elems


# -- variables and attributes ----------------------------------------------------------------


class Var(Expr):
    __slots__ = ("name",)
    __match_args__ = ("span", "name")

    def __init__(self, span: Span, name: str) -> None:
        self.span = span
        self.name = name


#: An attribute name in a path: static text, or an expression (``${e}`` or ``"a${b}"``).
AttrName = str | Expr


class Select(Expr):
    """``expr.a.b`` or ``expr.a.b or default``; ``attr_spans`` locates each name."""

    __slots__ = ("expr", "path", "default")  # noqa: RUF023
    __match_args__ = ("span", "expr", "path", "default")

    def __init__(
        self, span: Span, expr: Expr, path: list[AttrName], default: Expr | None = None
    ) -> None:
        self.span = span
        self.expr = expr
        self.path = path
        self.default = default


class HasAttr(Expr):
    """``expr ? a.b``."""

    __slots__ = ("expr", "path")
    __match_args__ = ("span", "expr", "path")

    def __init__(self, span: Span, expr: Expr, path: list[AttrName]) -> None:
        self.span = span
        self.expr = expr
        self.path = path


class AttrKind(Enum):
    PLAIN = "plain"  # a = e;
    INHERITED = "inherited"  # inherit a;  (value is Var(a), looked up outside a rec set)
    INHERITED_FROM = "inherited_from"  # inherit (src) a;  (value is Select(src, [a]))


class AttrEntry(_Node):
    """The definition of one static attribute.

    For ``INHERITED`` the value is a :class:`Var`; for ``INHERITED_FROM`` it is a
    :class:`Select` of the name from an :class:`InheritSource`, and ``source`` indexes
    :attr:`AttrSet.inherit_from`, so that ``inherit (e) a b;`` evaluates ``e`` once.
    """

    __slots__ = ("value", "span", "kind", "source")  # noqa: RUF023
    __match_args__ = ("value", "span", "kind", "source")

    def __init__(
        self,
        value: Expr,
        span: Span,
        kind: AttrKind = AttrKind.PLAIN,
        source: int | None = None,
    ) -> None:
        self.value = value
        self.span = span
        self.kind = kind
        self.source = source


class InheritSource(Expr):
    """The ``(e)`` of ``inherit (e) ...``, shared by the names it provides: ``index`` points
    into the enclosing :attr:`AttrSet.inherit_from`."""

    __slots__ = ("index",)
    __match_args__ = ("span", "index")

    def __init__(self, span: Span, index: int) -> None:
        self.span = span
        self.index = index


class DynamicAttr(_Node):
    """``${name} = value;`` or ``"a${b}" = value;``: the name is known only at run time."""

    __slots__ = ("name", "value", "span")  # noqa: RUF023
    __match_args__ = ("name", "value", "span")

    def __init__(self, name: Expr, value: Expr, span: Span) -> None:
        self.name = name
        self.value = value
        self.span = span


class AttrSet(Expr):
    """``{ ... }`` or ``rec { ... }``. Nested paths are merged into nested non-recursive
    sets; ``attrs`` keeps source order of first definition."""

    __slots__ = ("recursive", "attrs", "dynamic", "inherit_from")  # noqa: RUF023
    __match_args__ = ("span", "recursive", "attrs", "dynamic", "inherit_from")

    def __init__(
        self,
        span: Span,
        recursive: bool,
        attrs: dict[str, AttrEntry] | None = None,
        dynamic: list[DynamicAttr] | None = None,
        inherit_from: list[Expr] | None = None,
    ) -> None:
        self.span = span
        self.recursive = recursive
        self.attrs = {} if attrs is None else attrs
        self.dynamic = [] if dynamic is None else dynamic
        self.inherit_from = [] if inherit_from is None else inherit_from


class Let(Expr):
    """``let ... in body``; the bindings are an :class:`AttrSet` (recursive, no dynamic
    attributes). The legacy ``let { ...; body = e; }`` is parsed as ``Select(AttrSet(rec),
    ["body"])`` and does not use this node."""

    __slots__ = ("bindings", "body")
    __match_args__ = ("span", "bindings", "body")

    def __init__(self, span: Span, bindings: AttrSet, body: Expr) -> None:
        self.span = span
        self.bindings = bindings
        self.body = body


class With(Expr):
    __slots__ = ("env", "body")  # noqa: RUF023
    __match_args__ = ("span", "env", "body")

    def __init__(self, span: Span, env: Expr, body: Expr) -> None:
        self.span = span
        self.env = env
        self.body = body


class Assert(Expr):
    __slots__ = ("cond", "body")  # noqa: RUF023
    __match_args__ = ("span", "cond", "body")

    def __init__(self, span: Span, cond: Expr, body: Expr) -> None:
        self.span = span
        self.cond = cond
        self.body = body


class If(Expr):
    __slots__ = ("cond", "then", "else_")  # noqa: RUF023
    __match_args__ = ("span", "cond", "then", "else_")

    def __init__(self, span: Span, cond: Expr, then: Expr, else_: Expr) -> None:
        self.span = span
        self.cond = cond
        self.then = then
        self.else_ = else_


# -- functions -------------------------------------------------------------------------------


class Formal(_Node):
    __slots__ = ("name", "default", "span")  # noqa: RUF023
    __match_args__ = ("name", "default", "span")

    def __init__(self, name: str, default: Expr | None, span: Span) -> None:
        self.name = name
        self.default = default
        self.span = span


class Formals(_Node):
    """``{ a, b ? 1, ... }``: ``entries`` in source order (C++ Nix sorts them for
    ``functionArgs`` and error messages; the compiler does that)."""

    __slots__ = ("entries", "ellipsis")  # noqa: RUF023
    __match_args__ = ("entries", "ellipsis")

    def __init__(self, entries: list[Formal], ellipsis: bool) -> None:
        self.entries = entries
        self.ellipsis = ellipsis


class Lambda(Expr):
    """``x: body``, ``{ ... }: body``, ``x @ { ... }: body`` or ``{ ... } @ x: body``.
    ``param`` is the plain or ``@`` name; ``formals`` is None for a plain ``x: body``."""

    __slots__ = ("param", "formals", "body")  # noqa: RUF023
    __match_args__ = ("span", "param", "formals", "body")

    def __init__(self, span: Span, param: str | None, formals: Formals | None, body: Expr) -> None:
        self.span = span
        self.param = param
        self.formals = formals
        self.body = body


class Apply(Expr):
    __slots__ = ("fn", "arg")  # noqa: RUF023
    __match_args__ = ("span", "fn", "arg")

    def __init__(self, span: Span, fn: Expr, arg: Expr) -> None:
        self.span = span
        self.fn = fn
        self.arg = arg


# -- operators -------------------------------------------------------------------------------


class UnaryOp(Expr):
    """``-e`` (op ``"neg"``) or ``!e`` (op ``"not"``)."""

    __slots__ = ("op", "expr")  # noqa: RUF023
    __match_args__ = ("span", "op", "expr")

    def __init__(self, span: Span, op: str, expr: Expr) -> None:
        self.span = span
        self.op = op
        self.expr = expr


class BinOp(Expr):
    """A binary operator: ``+ - * / ++ // == != < <= > >= && || ->``; ``op`` is its text.
    ``span`` covers the whole expression; ``op_span`` the operator token."""

    __slots__ = ("op", "left", "right", "op_span")  # noqa: RUF023
    __match_args__ = ("span", "op", "left", "right", "op_span")

    def __init__(
        self, span: Span, op: str, left: Expr, right: Expr, op_span: Span | None = None
    ) -> None:
        self.span = span
        self.op = op
        self.left = left
        self.right = right
        self.op_span = op_span
