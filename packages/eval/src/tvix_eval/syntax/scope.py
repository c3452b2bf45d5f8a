"""Undefined variables, found as C++ Nix's parser finds them.

C++ Nix binds every variable to its definition right after parsing (``bindVars``), so that a
name no ``let``, function, ``rec`` set, ``with`` or the base environment defines is an
error of the parse (``nix-instantiate --parse`` reports it), before anything is evaluated.
Of several, the first it meets: it walks the tree depth first, a set's or ``let``'s
bindings and a function's defaults in the order their names were interned (see
:mod:`tvix_eval.syntax.symbols`), and the operators it parses as calls of builtins (``-``,
``<``...) with the builtin's name first, then their operands in the order it passes them.

The walk keeps its own stack: trees nest deeper than Python's recursion goes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from tvix_eval.errors import ParseError
from tvix_eval.syntax import ast
from tvix_eval.syntax.source import Span

__all__ = ["check_variables"]

#: The builtin C++ Nix calls for each operator it parses as a call, and whether it passes
#: the operands swapped (``a > b`` is ``__lessThan b a``).
_CALLS: dict[str, tuple[str, bool]] = {
    "-": ("__sub", False),
    "*": ("__mul", False),
    "/": ("__div", False),
    "<": ("__lessThan", False),
    ">=": ("__lessThan", False),
    ">": ("__lessThan", True),
    "<=": ("__lessThan", True),
}


class _Scope:
    """The names one ``let``, function or ``rec`` set defines (none for a ``with``), inside
    ``parent``; ``dynamic``: a ``with`` is here or around, so any name may be defined."""

    __slots__ = ("dynamic", "names", "parent")

    def __init__(
        self, names: Collection[str], parent: _Scope | None, with_: bool = False
    ) -> None:
        self.names = names
        self.parent = parent
        self.dynamic: bool = with_ or (parent is not None and parent.dynamic)


_Work = list[tuple[ast.Expr, "_Scope | None"]]
_Children = Callable[[Any, "_Scope | None", Collection[str], Mapping[str, int]], _Work]


def check_variables(tree: ast.Expr, names: Collection[str], order: Mapping[str, int]) -> None:
    """Raise C++ Nix's ``undefined variable`` error for the first name of ``tree`` that
    nothing defines, ``names`` being the base environment's and ``order`` each name's
    symbol number."""
    work: _Work = [(tree, None)]
    pop, extend = work.pop, work.extend
    children_of = _CHILDREN.get
    var = ast.Var
    while work:
        node, scope = pop()
        kind = type(node)
        if kind is var:  # the commonest node by far: checked here, without a call
            if scope is None or not scope.dynamic:
                _check(node.name, node.span, scope, names)  # type: ignore[attr-defined]
            continue
        children = children_of(kind)
        if children is not None:
            extend(reversed(children(node, scope, names, order)))


def _select(node: ast.Select, scope: _Scope | None, *_: object) -> _Work:
    within = [node.expr] if node.default is None else [node.expr, node.default]
    return [(e, scope) for e in within + _dynamic(node.path)]


def _has_attr(node: ast.HasAttr, scope: _Scope | None, *_: object) -> _Work:
    return [(e, scope) for e in [node.expr, *_dynamic(node.path)]]


def _string(node: ast.Str | ast.Path, scope: _Scope | None, *_: object) -> _Work:
    parts = node.parts
    if len(parts) == 1 and type(parts[0]) is str:
        return []
    return [(e, scope) for e in parts if isinstance(e, ast.Expr)]


def _search_path(
    node: ast.SearchPath, scope: _Scope | None, base: Collection[str], _: object
) -> _Work:
    _check("__findFile", node.span, scope, base)
    _check("__nixPath", node.span, scope, base)
    return []


def _list(node: ast.List, scope: _Scope | None, *_: object) -> _Work:
    return [(e, scope) for e in node.elems]


def _let(
    node: ast.Let, scope: _Scope | None, _: object, order: Mapping[str, int]
) -> _Work:
    inner = _Scope(node.bindings.attrs.keys(), scope)
    return [*_bindings(node.bindings, inner, scope, order), (node.body, inner)]


def _with(node: ast.With, scope: _Scope | None, *_: object) -> _Work:
    return [(node.env, scope), (node.body, _Scope((), scope, with_=True))]


def _apply(node: ast.Apply, scope: _Scope | None, *_: object) -> _Work:
    return [(node.fn, scope), (node.arg, scope)]


def _binary(node: ast.BinOp, scope: _Scope | None, base: Collection[str], _: object) -> _Work:
    call = _CALLS.get(node.op)
    if call is None:
        return [(node.left, scope), (node.right, scope)]
    _check(call[0], node.span, scope, base)
    if call[1]:
        return [(node.right, scope), (node.left, scope)]
    return [(node.left, scope), (node.right, scope)]


def _unary(node: ast.UnaryOp, scope: _Scope | None, base: Collection[str], _: object) -> _Work:
    if node.op == "neg":  # a call of __sub with 0
        _check("__sub", node.span, scope, base)
    return [(node.expr, scope)]


def _if(node: ast.If, scope: _Scope | None, *_: object) -> _Work:
    return [(node.cond, scope), (node.then, scope), (node.else_, scope)]


def _assert(node: ast.Assert, scope: _Scope | None, *_: object) -> _Work:
    return [(node.cond, scope), (node.body, scope)]


def _check(name: str, span: Span, scope: _Scope | None, base: Collection[str]) -> None:
    if scope is not None:
        if scope.dynamic:  # found through a with, if nowhere else
            return
        found: _Scope | None = scope
        while found is not None:
            if name in found.names:
                return
            found = found.parent
    if name not in base:
        raise ParseError(f"undefined variable '{name}'", span)


def _dynamic(path: Iterable[ast.AttrName]) -> list[ast.Expr]:
    return [name for name in path if isinstance(name, ast.Expr)]


def _in_order(attrs: Mapping[str, ast.AttrEntry], order: Mapping[str, int]) -> list[str]:
    if len(attrs) < 2:
        return list(attrs)
    return sorted(attrs, key=lambda name: order.get(name, sys.maxsize))


def _bindings(
    attrs: ast.AttrSet, inner: _Scope | None, outer: _Scope | None, order: Mapping[str, int]
) -> _Work:
    """A set's or ``let``'s sources of ``inherit (e)``, then its values: those it defines
    in ``inner``, those it inherits from ``outer``."""
    work: _Work = [(source, inner) for source in attrs.inherit_from]
    for name in _in_order(attrs.attrs, order):
        entry = attrs.attrs[name]
        if entry.kind is ast.AttrKind.PLAIN:
            work.append((entry.value, inner))
        elif entry.kind is ast.AttrKind.INHERITED:
            work.append((entry.value, outer))
    return work


def _attr_set(
    attrs: ast.AttrSet, scope: _Scope | None, _: object, order: Mapping[str, int]
) -> _Work:
    inner = _Scope(attrs.attrs.keys(), scope) if attrs.recursive else scope
    work = _bindings(attrs, inner, scope, order)
    for dynamic in attrs.dynamic:
        work += [(dynamic.name, inner), (dynamic.value, inner)]
    return work


def _lambda(
    node: ast.Lambda, scope: _Scope | None, _: object, order: Mapping[str, int]
) -> _Work:
    """A function's defaults, in the order C++ Nix sorts its formals (by symbol, then
    position), then its body, all where its arguments are defined."""
    param, formals, body = node.param, node.formals, node.body
    names = [] if param is None else [param]
    if formals is None:
        return [(body, _Scope(names, scope))]
    names += [formal.name for formal in formals.entries]
    inner = _Scope(set(names), scope)
    entries = sorted(
        formals.entries, key=lambda f: (order.get(f.name, sys.maxsize), f.span.start)
    )
    work: _Work = [(f.default, inner) for f in entries if f.default is not None]
    work.append((body, inner))
    return work


#: What to check under each kind of node (none under literals, ``__curPos`` and the
#: source of an ``inherit (e)``, checked with its set).
_CHILDREN: dict[type, _Children] = {
    ast.Select: _select,
    ast.HasAttr: _has_attr,
    ast.Str: _string,
    ast.Path: _string,
    ast.SearchPath: _search_path,
    ast.List: _list,
    ast.AttrSet: _attr_set,
    ast.Let: _let,
    ast.With: _with,
    ast.Lambda: _lambda,
    ast.Apply: _apply,
    ast.BinOp: _binary,
    ast.UnaryOp: _unary,
    ast.If: _if,
    ast.Assert: _assert,
}
