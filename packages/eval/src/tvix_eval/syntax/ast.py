"""The syntax tree of a Nix expression, as the parser produces it and the compiler reads it.

It is close to C++ Nix's own tree, because several of its checks happen at parse time there
and must happen at parse time here too: nested attribute paths are already merged
(``a.b = 1; a.c = 2;`` is one attribute ``a`` holding a set), duplicate attributes and formals
are already refused, and indented strings are already stripped of their indentation.

Every node has a ``span``. Binding structure stays explicit (static attributes by name,
dynamic ones apart, ``inherit`` kept as such) because the compiler resolves variables before
run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

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


@dataclass(slots=True)
class Expr:
    span: Span


# -- literals ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Int(Expr):
    value: int


@dataclass(slots=True)
class Float(Expr):
    value: float


@dataclass(slots=True)
class Str(Expr):
    """A string, plain or indented, or a URI. Literal text pieces alternate with
    interpolated expressions; adjacent literal pieces are already joined, and a string
    without interpolation has exactly one piece (``[""]`` for the empty string).

    ``pieces`` keeps the pieces as C++ Nix keeps them when they differ from ``parts``
    (an indented string cut by escapes, as ``''a''$b''``), None otherwise: only
    ``nix-instantiate --parse``'s printer shows the difference."""

    parts: list[str | Expr]
    pieces: list[str | Expr] | None = None


class PathKind(Enum):
    ABSOLUTE = "absolute"  # /a/b
    RELATIVE = "relative"  # ./a, ../a, a/b: resolved against the file's folder
    HOME = "home"  # ~/a


@dataclass(slots=True)
class Path(Expr):
    """A path literal. ``parts`` is as in :class:`Str` (paths may interpolate). The text is
    as written: resolving relative and home paths is the compiler's business. ``pieces`` is
    as in :class:`Str`; its first piece is always the path's first token (``./a/`` of
    ``./a/${b}``)."""

    kind: PathKind
    parts: list[str | Expr]
    pieces: list[str | Expr] | None = None


@dataclass(slots=True)
class SearchPath(Expr):
    """``<nixpkgs/lib>``: ``path`` is the text between the angle brackets."""

    path: str


@dataclass(slots=True)
class CurPos(Expr):
    """``__curPos``: the position of this very token."""


@dataclass(slots=True)
class List(Expr):
    """``[ a b c ]``: each element is lazy, as an attribute value is."""

    elems: list[Expr]


# -- variables and attributes ----------------------------------------------------------------


@dataclass(slots=True)
class Var(Expr):
    name: str


#: An attribute name in a path: static text, or an expression (``${e}`` or ``"a${b}"``).
AttrName = str | Expr


@dataclass(slots=True)
class Select(Expr):
    """``expr.a.b`` or ``expr.a.b or default``; ``attr_spans`` locates each name."""

    expr: Expr
    path: list[AttrName]
    default: Expr | None = None


@dataclass(slots=True)
class HasAttr(Expr):
    """``expr ? a.b``."""

    expr: Expr
    path: list[AttrName]


class AttrKind(Enum):
    PLAIN = "plain"  # a = e;
    INHERITED = "inherited"  # inherit a;  (value is Var(a), looked up outside a rec set)
    INHERITED_FROM = "inherited_from"  # inherit (src) a;  (value is Select(src, [a]))


@dataclass(slots=True)
class AttrEntry:
    """The definition of one static attribute.

    For ``INHERITED`` the value is a :class:`Var`; for ``INHERITED_FROM`` it is a
    :class:`Select` of the name from an :class:`InheritSource`, and ``source`` indexes
    :attr:`AttrSet.inherit_from`, so that ``inherit (e) a b;`` evaluates ``e`` once.
    """

    value: Expr
    span: Span
    kind: AttrKind = AttrKind.PLAIN
    source: int | None = None


@dataclass(slots=True)
class InheritSource(Expr):
    """The ``(e)`` of ``inherit (e) ...``, shared by the names it provides: ``index`` points
    into the enclosing :attr:`AttrSet.inherit_from`."""

    index: int


@dataclass(slots=True)
class DynamicAttr:
    """``${name} = value;`` or ``"a${b}" = value;``: the name is known only at run time."""

    name: Expr
    value: Expr
    span: Span


@dataclass(slots=True)
class AttrSet(Expr):
    """``{ ... }`` or ``rec { ... }``. Nested paths are merged into nested non-recursive
    sets; ``attrs`` keeps source order of first definition."""

    recursive: bool
    attrs: dict[str, AttrEntry] = field(default_factory=dict)
    dynamic: list[DynamicAttr] = field(default_factory=list)
    inherit_from: list[Expr] = field(default_factory=list)


@dataclass(slots=True)
class Let(Expr):
    """``let ... in body``; the bindings are an :class:`AttrSet` (recursive, no dynamic
    attributes). The legacy ``let { ...; body = e; }`` is parsed as ``Select(AttrSet(rec),
    ["body"])`` and does not use this node."""

    bindings: AttrSet
    body: Expr


@dataclass(slots=True)
class With(Expr):
    env: Expr
    body: Expr


@dataclass(slots=True)
class Assert(Expr):
    cond: Expr
    body: Expr


@dataclass(slots=True)
class If(Expr):
    cond: Expr
    then: Expr
    else_: Expr


# -- functions -------------------------------------------------------------------------------


@dataclass(slots=True)
class Formal:
    name: str
    default: Expr | None
    span: Span


@dataclass(slots=True)
class Formals:
    """``{ a, b ? 1, ... }``: ``entries`` in source order (C++ Nix sorts them for
    ``functionArgs`` and error messages; the compiler does that)."""

    entries: list[Formal]
    ellipsis: bool


@dataclass(slots=True)
class Lambda(Expr):
    """``x: body``, ``{ ... }: body``, ``x @ { ... }: body`` or ``{ ... } @ x: body``.
    ``param`` is the plain or ``@`` name; ``formals`` is None for a plain ``x: body``."""

    param: str | None
    formals: Formals | None
    body: Expr


@dataclass(slots=True)
class Apply(Expr):
    fn: Expr
    arg: Expr


# -- operators -------------------------------------------------------------------------------


@dataclass(slots=True)
class UnaryOp(Expr):
    """``-e`` (op ``"neg"``) or ``!e`` (op ``"not"``)."""

    op: str
    expr: Expr


@dataclass(slots=True)
class BinOp(Expr):
    """A binary operator: ``+ - * / ++ // == != < <= > >= && || ->``; ``op`` is its text.
    ``span`` covers the whole expression; ``op_span`` the operator token."""

    op: str
    left: Expr
    right: Expr
    op_span: Span | None = None
