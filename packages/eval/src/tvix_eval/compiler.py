"""Compile a Nix syntax tree into Python code.

Each Nix expression becomes a Python expression, plus the statements it needs before it
(assignments of ``let`` and ``rec`` bindings, ``def`` of lambdas and thunk bodies). Those
statements only create thunks and functions, never evaluate anything, so they may be hoisted
out of conditionals freely.

Variables are resolved here, not at run time: every Nix binding becomes a uniquely named
Python local, and Python's closures do the capturing. Only names under ``with`` and not bound
statically are looked up at run time.

Positions: every generated Python node carries the Nix span it comes from, encoded as
``lineno = start offset + 1`` and ``end_lineno = end offset + 1``. When a runtime helper
raises, the traceback's position in the compiled code is the Nix span of the operation
(see :mod:`tvix_eval.runtime.trace`); nothing is paid for positions until an error happens.
"""

from __future__ import annotations

import ast as py
import itertools
import os.path
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar, TypeVar

from tvix_eval.compiled import OUTER, CompiledFile, Region, register_lambdas
from tvix_eval.errors import ParseError
from tvix_eval.runtime.ops import canon_path
from tvix_eval.runtime.trace import PREFIX
from tvix_eval.syntax import ast as nix
from tvix_eval.syntax.source import Source, Span
from tvix_eval.value import Formal, LambdaInfo, position_value

__all__ = ["compile_expr"]

N = TypeVar("N", bound=py.AST)


class Scope:
    """Names bound statically by one construct (lambda, let, rec set, formals): Nix name ->
    Python name. (Plain classes: see :mod:`tvix_eval.syntax.source` on start-up.)"""

    __slots__ = ("names",)

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names


class WithScope:
    """A ``with e;``: ``chain`` is the Python name of the tuple of its environment and those
    of the ``with`` around it, innermost first: what a lookup searches."""

    __slots__ = ("chain",)

    def __init__(self, chain: str) -> None:
        self.chain = chain


class Compiler:
    def __init__(
        self,
        source: Source,
        globals_: set[str],
        dynamic_globals: bool,
        forced_globals: frozenset[str] = frozenset(),
    ) -> None:
        self.source = source
        self.base_names = globals_
        self.dynamic_globals = dynamic_globals
        self.forced_globals = forced_globals
        self.counter = itertools.count()
        self.constants: dict[str, object] = {}
        self.lambdas: dict[str, LambdaInfo] = {}
        self.directory = os.path.dirname(source.path) if source.path else os.getcwd()
        #: Python names of bindings whose assignment has not been emitted yet.
        self.unassigned: set[str] = set()
        #: Python names known to hold forced values wherever they are visible.
        self.forced: set[str] = {"G_" + name for name in forced_globals}
        #: Python name of a binding's thunk -> a name holding its value directly (a ``let``
        #: bound lambda): strict uses skip the thunk.
        self.direct: dict[str, str] = {}
        #: Python functions of lambdas that force their argument before anything else.
        #: (and how many calls deep into the body: operators C++ Nix runs as calls).
        self.forces_argument: dict[str, int] = {}
        #: Python functions of lambdas (a call site naming one calls it directly), and how
        #: many arguments each takes before its body is something else than a lambda
        #: (``a: b: c: ...`` takes three): so many are applied directly.
        self.arities: dict[str, int] = {}
        #: Python names that may be assigned again (``__overrides``): never known forced.
        self.mutable: set[str] = set()
        self.regions: list[Region] = []
        #: Every compiled lambda: its function name, the name of its LambdaInfo constant
        #: (lambdas with formals read it at run time), and its syntax.
        self.lambda_infos_pending: list[tuple[str, str | None, nix.Lambda]] = []

    # -- names and positions --------------------------------------------------------------

    def fresh(self, hint: str) -> str:
        clean = "".join(c if c.isalnum() or c == "_" else "_" for c in hint)[:20]
        return f"{clean}_{next(self.counter)}"

    def constant(self, value: object, hint: str = "c") -> py.expr:
        name = self.fresh(hint)
        self.constants[name] = value
        return py.Name(name, py.Load())

    def at(self, node: N, span: Span) -> N:
        """Give ``node`` the position of ``span`` unless it has one. Its descendants without
        a position get it too, from :func:`_fill_positions`, in one walk at the end."""
        if "lineno" in node._attributes and not hasattr(node, "lineno"):
            node.lineno = span.start + 1  # type: ignore[attr-defined]
            node.end_lineno = span.end + 1  # type: ignore[attr-defined]
            node.col_offset = 0  # type: ignore[attr-defined]
            node.end_col_offset = 0  # type: ignore[attr-defined]
        return node

    # -- helpers to build Python code -------------------------------------------------------

    @staticmethod
    def name(ident: str) -> py.Name:
        return py.Name(ident, py.Load())

    def call(self, helper: str, *args: py.expr, span: Span | None = None) -> py.expr:
        node = py.Call(self.name(helper), list(args), [])
        if span is not None:
            self.at(node, span)
        return node

    def is_int(self, expr: py.expr) -> py.expr:
        """``type(expr) is int``."""
        return py.Compare(self.call("type", expr), [py.Is()], [self.name("int")])

    def computed_int64(self, left: py.expr, op: py.operator, right: py.expr) -> tuple[str, py.expr]:
        """A fresh name and the test ``MIN <= (name := left OP right) <= MAX``: the integer
        operation, kept only if it does not overflow Nix's 64 bits."""
        result = self.fresh("result")
        computed = py.NamedExpr(py.Name(result, py.Store()), py.BinOp(left, op, right))
        fits = py.Compare(
            py.Constant(-(2**63)), [py.LtE(), py.LtE()], [computed, py.Constant(2**63 - 1)]
        )
        return result, fits

    def force(self, expr: py.expr, span: Span | None = None, deeper: int = 0) -> py.expr:
        """``expr``'s value, forced. A variable holding a thunk not computed yet is forced
        ``deeper`` calls deeper (``FORCE_DEEPER``): where C++ Nix forces it inside operators
        it runs as calls (``n`` in ``n < 2``)."""
        if isinstance(expr, py.Constant):
            return expr
        if isinstance(expr, py.Name):
            # F inlined, and a thunk's known value read in place: a method call costs more
            # than the rest of ``x if type(x) is not T else x.value if x.fn is None else
            # x.force()``, and most thunks are forced more than once.
            var = expr.id
            forced = py.IfExp(
                py.Compare(self.call("type", self.name(var)), [py.IsNot()], [self.name("T")]),
                self.name(var),
                py.IfExp(
                    py.Compare(
                        py.Attribute(self.name(var), "fn", py.Load()),
                        [py.Is()],
                        [py.Constant(None)],
                    ),
                    py.Attribute(self.name(var), "value", py.Load()),
                    self.call("FORCE_DEEPER", self.name(var), py.Constant(deeper))
                    if deeper
                    else py.Call(py.Attribute(self.name(var), "force", py.Load()), [], []),
                ),
            )
            return self.at(forced, span) if span is not None else forced
        if isinstance(expr, py.Call) and isinstance(expr.func, py.Name) and expr.func.id == "WITH":
            # A variable found through ``with``, forced: one helper call instead of two.
            expr.func = self.name("WITH_F")
            return self.at(expr, span) if span is not None else expr
        return self.call("F", expr, span=span)

    # -- scopes -------------------------------------------------------------------------------

    def lookup(self, scopes: list[Scope | WithScope], name: str, span: Span) -> py.expr:
        chain: str | None = None
        for scope in reversed(scopes):
            if isinstance(scope, WithScope):
                chain = chain or scope.chain
            elif name in scope.names:
                return self.name(scope.names[name])
        # The base environment is static too: it wins over every ``with``.
        if name in self.base_names:
            if name in _CONSTANTS and name in self.forced_globals:
                return py.Constant(_CONSTANTS[name])
            return self.name("G_" + name)
        if chain is not None:
            return self.call("WITH", py.Constant(name), self.name(chain), span=span)
        if self.dynamic_globals:
            return self.call("SCOPE", py.Constant(name), span=span)
        raise ParseError(f"undefined variable '{name}'", span)

    # -- expressions --------------------------------------------------------------------------

    def strict(
        self, e: nix.Expr, scopes: list[Scope | WithScope], out: list[py.stmt], deeper: int = 0
    ) -> py.expr:
        """Code computing the forced value of ``e`` (a variable's ``deeper`` calls deeper,
        see :meth:`force`)."""
        expr = self.expr(e, scopes, out)
        if isinstance(e, nix.Var):
            if isinstance(expr, py.Name):
                if expr.id in self.forced:
                    return expr
                if expr.id in self.direct:
                    return self.name(self.direct[expr.id])
            return self.force(expr, e.span, deeper)
        return expr

    def lazy(
        self,
        e: nix.Expr,
        scopes: list[Scope | WithScope],
        out: list[py.stmt],
        definition: Span | None = None,
        always: bool = False,
        raw: int | None = None,
    ) -> py.expr:
        """Code computing ``e`` as a value or thunk, thunking exactly where C++ Nix does.

        ``definition`` is where the binding holding the value is defined: it becomes the
        position of the thunk's code (``co_firstlineno``), which error traces report.
        ``always`` makes a thunk of anything (C++ Nix does so in sets with ``__overrides``,
        whose thunks must see the overridden values). ``raw``: the argument of a lambda that
        forces it first thing, that many calls deep into its body (operators C++ Nix runs as
        calls): a value computed ahead needs no ready thunk around it."""
        if always:
            return self.thunk(e, scopes, out, definition)
        if isinstance(e, nix.Int | nix.Float):
            return py.Constant(e.value)
        if isinstance(e, nix.Str) and len(e.parts) == 1 and isinstance(e.parts[0], str):
            return py.Constant(e.parts[0])
        if isinstance(e, nix.Path) and all(isinstance(p, str) for p in e.parts):
            return self.expr(e, scopes, out)
        if isinstance(e, nix.List) and not e.elems:
            return py.List([], py.Load())
        speculated = self.speculate(e, scopes, out, definition, raw)
        if speculated is not None:
            return speculated
        if isinstance(e, nix.Var):
            resolved = self.expr(e, scopes, out)
            if isinstance(resolved, py.Constant):  # ``true``, ``false``, ``null``
                return resolved
            if isinstance(resolved, py.Name) and resolved.id not in self.unassigned:
                return resolved
            # Found through ``with`` (looked up when forced, as C++ Nix does), or a sibling
            # binding not assigned yet (C++ Nix finds its slot empty; Python cannot refer to
            # it before assignment): a thunk either way.
        return self.thunk(e, scopes, out, definition)

    @contextmanager
    def nested(self) -> Iterator[None]:
        """Compile code that runs later than the statements around it (a thunk's or a
        lambda's body): by then every binding around it is assigned, so none needs a thunk
        for being assigned later."""
        saved = self.unassigned
        self.unassigned = set()
        try:
            yield
        finally:
            self.unassigned = saved

    def thunk(
        self,
        e: nix.Expr,
        scopes: list[Scope | WithScope],
        out: list[py.stmt],
        definition: Span | None = None,
    ) -> py.expr:
        """A thunk computing ``e`` (see :meth:`lazy`)."""
        body: list[py.stmt] = []
        # A variable is forced in the thunk, at the variable: a black hole found there is
        # reported at it, as C++ Nix does.
        compile_value = self.strict if isinstance(e, nix.Var) else self.expr
        with self.nested():
            value = compile_value(e, scopes, body)
        if not body:
            self.at(value, e.span)
            thunk = self.at(py.Lambda(_no_args(), value), definition or e.span)
            return self.at(self.call("T", thunk), e.span)
        fn = self.fresh("thunk")
        body.append(self.at(py.Return(value), e.span))
        out.append(self.at(_def(fn, [], body), definition or e.span))
        return self.call("T", self.name(fn), span=e.span)

    SPECULABLE: ClassVar[dict[str, py.operator]] = {"+": py.Add(), "-": py.Sub(), "*": py.Mult()}

    def speculate(
        self,
        e: nix.Expr,
        scopes: list[Scope | WithScope],
        out: list[py.stmt],
        definition: Span | None,
        raw: int | None = None,
    ) -> py.expr | None:
        """For ``n - 1`` with ``n`` already forced: compute it now when both sides are
        integers and the result fits, which can neither fail nor diverge, and hand out a
        ready thunk (with ``raw``, the value itself); otherwise the usual thunk. Saves a
        closure and two calls."""
        if not isinstance(e, nix.BinOp) or e.op not in self.SPECULABLE:
            return None
        counted = e.op in self.BUILTIN_OPERATORS  # ``-`` and ``*``: calls in C++ Nix
        if counted and raw is None:
            # Where a thunk is forced, hence how deep its call would be, is not known here.
            return None
        operands: list[py.expr] = []
        for side in (e.left, e.right):
            if isinstance(side, nix.Int):
                operands.append(py.Constant(side.value))
                continue
            if not isinstance(side, nix.Var):
                return None
            resolved = self.lookup(scopes, side.name, side.span)
            if not (isinstance(resolved, py.Name) and resolved.id in self.forced):
                return None
            operands.append(resolved)
        checks = [self.is_int(o) for o in operands if not isinstance(o, py.Constant)]
        if not checks:
            return None
        result, fits = self.computed_int64(operands[0], self.SPECULABLE[e.op], operands[1])
        if counted:
            # The callee forces it first thing, one call deeper than here, and the operation
            # is a call deeper still: computed now only if neither exceeds the limit.
            assert raw is not None
            needed = py.Constant(1 + raw)
            checks.append(py.Compare(py.Name("DEPTH", py.Load()), [py.Gt()], [needed]))
        body: list[py.stmt] = []
        value = self.expr(e, scopes, body)
        assert not body
        thunk = self.at(py.Lambda(_no_args(), self.at(value, e.span)), definition or e.span)
        return self.at(
            py.IfExp(
                py.BoolOp(py.And(), [*checks, fits]),
                self.name(result) if raw is not None else self.call("READY", self.name(result)),
                self.call("T", thunk),
            ),
            e.span,
        )

    def expr(self, e: nix.Expr, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        """Code computing ``e``: forced for everything but :class:`Var` (which may hold a thunk)."""
        method = getattr(self, "e_" + type(e).__name__)
        return method(e, scopes, out)  # type: ignore[no-any-return]

    def e_Int(self, e: nix.Int, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        return py.Constant(e.value)

    def e_Float(self, e: nix.Float, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        return py.Constant(e.value)

    def e_Str(self, e: nix.Str, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        if len(e.parts) == 1 and isinstance(e.parts[0], str):
            return py.Constant(e.parts[0])
        parts = [
            py.Constant(p) if isinstance(p, str) else self.strict(p, scopes, out) for p in e.parts
        ]
        spans = tuple(None if isinstance(p, str) else self.interpolation_span(p) for p in e.parts)
        return self.call(
            "INTERP", py.List(parts, py.Load()), self.constant(spans, "spans"), span=e.span
        )

    def interpolation_span(self, part: nix.Expr) -> Span:
        """Where ``${`` opens: C++ Nix reports a failing interpolation there."""
        text = part.span.source.text
        start = text.rfind("${", 0, part.span.start)
        return Span(part.span.source, start if start >= 0 else part.span.start, part.span.end)

    def e_Path(self, e: nix.Path, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        if all(isinstance(p, str) for p in e.parts):
            text = "".join(p for p in e.parts if isinstance(p, str))
            if e.kind is nix.PathKind.RELATIVE:
                text = os.path.join(self.directory, text)
            if e.kind is nix.PathKind.HOME:
                return self.call("HOME_PATH", py.Constant(text[1:]), span=e.span)
            return self.constant(("path", canon_path(text)), "path")
        parts: list[py.expr] = []
        for i, p in enumerate(e.parts):
            if isinstance(p, str):
                if i == 0 and e.kind is nix.PathKind.RELATIVE:
                    p = os.path.join(self.directory, p)
                parts.append(py.Constant(p))
            else:
                parts.append(self.strict(p, scopes, out))
        spans = tuple(None if isinstance(p, str) else self.interpolation_span(p) for p in e.parts)
        kind = py.Constant(e.kind.value)
        return self.call(
            "PATH_INTERP",
            kind,
            py.List(parts, py.Load()),
            self.constant(spans, "spans"),
            span=e.span,
        )

    def e_SearchPath(
        self, e: nix.SearchPath, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        find_file = self.force(self.lookup(scopes, "__findFile", e.span), e.span)
        nix_path = self.lookup(scopes, "__nixPath", e.span)
        inner = self.call("CALL", find_file, nix_path, span=e.span)
        return self.force(self.call("CALL", self.force(inner), py.Constant(e.path), span=e.span))

    def e_CurPos(
        self, e: nix.CurPos, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        position = position_value(e.span)
        return py.Constant(None) if position is None else self.constant(position, "pos")

    def e_List(self, e: nix.List, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        return py.List([self.lazy(item, scopes, out) for item in e.elems], py.Load())

    def e_Var(self, e: nix.Var, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        return self.lookup(scopes, e.name, e.span)

    def attr_name(
        self, name: nix.AttrName, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        if isinstance(name, str):
            return py.Constant(name)
        return self.call("ATTR_NAME", self.strict(name, scopes, out), span=name.span)

    def e_Select(
        self, e: nix.Select, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        target = self.strict(e.expr, scopes, out)
        names = [self.attr_name(n, scopes, out) for n in e.path]
        if e.default is not None:
            default = self.lazy(e.default, scopes, out)
            if not isinstance(default, py.Constant | py.Name):
                default = py.Lambda(_no_args(), default)
                helper = "SELECT_OR_LAZY"
            else:
                helper = "SELECT_OR"
            return self.call(helper, target, py.List(names, py.Load()), default, span=e.span)
        if isinstance(e.expr, nix.AttrSet) and e.span is e.expr.span:
            # The legacy ``let { ...; body = e; }``, which C++ Nix selects from at no position.
            return self.call("LEGACY_LET_BODY", target, span=e.span)
        if len(names) == 1:
            return self.call("SELECT", target, names[0], span=e.span)
        return self.call("SELECT_PATH", target, py.List(names, py.Load()), span=e.span)

    def e_HasAttr(
        self, e: nix.HasAttr, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        target = self.strict(e.expr, scopes, out)
        names = [self.attr_name(n, scopes, out) for n in e.path]
        return self.call("HAS_ATTR", target, py.List(names, py.Load()), span=e.span)

    # -- attribute sets, let, with ---------------------------------------------------------------

    def bind_entries(
        self,
        attrs: nix.AttrSet,
        inner: list[Scope | WithScope],
        outer: list[Scope | WithScope],
        out: list[py.stmt],
        assign: dict[str, str] | None = None,
        always_thunk: bool = False,
    ) -> tuple[list[py.expr], list[py.expr]]:
        """Lazy values of a set's static attributes, in ``attrs.attrs`` order; with ``assign``
        (name -> Python variable) each value is also assigned as soon as it is made."""
        if assign is not None:
            self.unassigned.update(assign.values())
        sources = []
        for src in attrs.inherit_from:
            var = self.fresh("inherit")
            out.append(py.Assign([py.Name(var, py.Store())], self.lazy(src, inner, out)))
            sources.append(var)
        keys: list[py.expr] = []
        values: list[py.expr] = []
        for name, entry in attrs.attrs.items():
            keys.append(py.Constant(name))
            if entry.kind is nix.AttrKind.INHERITED:
                values.append(self.lazy(entry.value, outer, out))
            elif entry.kind is nix.AttrKind.INHERITED_FROM:
                assert entry.source is not None
                select = self.call(
                    "SELECT",
                    self.force(self.name(sources[entry.source])),
                    py.Constant(name),
                    span=entry.span,
                )
                values.append(
                    self.at(self.call("T", py.Lambda(_no_args(), self.force(select))), entry.span)
                )  # type: ignore[arg-type]
            elif (
                assign is not None
                and isinstance(entry.value, nix.Lambda)
                and assign[name] not in self.mutable
            ):
                # A lambda cannot fail to evaluate: make it now, keep C++ Nix's thunk for
                # printing, and let strict uses call the function directly.
                fn = self.fresh("lambda")
                self.direct[assign[name]] = fn
                self.compile_lambda(entry.value, inner, out, fn)
                values.append(self.at(self.call("READY", self.name(fn)), entry.value.span))
            else:
                values.append(self.lazy(entry.value, inner, out, entry.span, always_thunk))
            if assign is not None:
                out.append(py.Assign([py.Name(assign[name], py.Store())], values[-1]))
                self.unassigned.discard(assign[name])
                if isinstance(values[-1], py.Constant) and assign[name] not in self.mutable:
                    self.forced.add(assign[name])
        return keys, values

    def e_AttrSet(
        self, e: nix.AttrSet, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        if e.recursive and "__overrides" in e.attrs:
            return self.overridden_set(e, scopes, out)
        if e.recursive:
            scope = Scope({name: self.fresh(name) for name in e.attrs})
            inner = [*scopes, scope]
            keys, _ = self.bind_entries(e, inner, scopes, out, assign=scope.names)
            values: list[py.expr] = [self.name(scope.names[name]) for name in e.attrs]
        else:
            inner = scopes
            keys, values = self.bind_entries(e, scopes, scopes, out)
        result: py.expr = py.Dict(keys, values)  # type: ignore[arg-type]
        if e.attrs:
            result = self.call("ATTRS", result, self.positions(e))
        if e.dynamic:
            dynamic: list[py.expr] = []
            for d in e.dynamic:
                dyn_name = self.lazy(d.name, inner, out)
                name_thunk = py.Lambda(_no_args(), self.force(dyn_name))
                dynamic.append(
                    py.Tuple(
                        [name_thunk, self.lazy(d.value, inner, out), self.constant(d.span, "span")],
                        py.Load(),
                    )
                )
            result = self.call("DYNAMIC_ATTRS", result, py.List(dynamic, py.Load()), span=e.span)
        return result

    def positions(self, e: nix.AttrSet) -> py.expr:
        """Where each static attribute of ``e`` is defined: one table for every set the
        literal makes."""
        return self.constant({name: entry.span for name, entry in e.attrs.items()}, "at")

    def overridden_set(
        self, e: nix.AttrSet, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        """``rec { ...; __overrides = { ... }; }``: the overrides replace the attributes,
        for the set and for the other attributes' references to them alike.

        Building such a set forces ``__overrides``, so it cannot be hoisted like other
        bindings: it becomes a function of its own, called where the set is evaluated."""
        body: list[py.stmt] = []
        plain = nix.AttrSet(e.span, True, e.attrs, [], e.inherit_from)
        scope = Scope({name: self.fresh(name) for name in e.attrs})
        inner = [*scopes, scope]
        self.mutable.update(scope.names.values())
        keys, _ = self.bind_entries(
            plain, inner, scopes, body, assign=scope.names, always_thunk=True
        )
        overrides = self.fresh("overrides")
        body.append(
            py.Assign(
                [py.Name(overrides, py.Store())],
                self.call("OVERRIDES", self.force(self.name(scope.names["__overrides"]))),
            )
        )
        for name, var in scope.names.items():
            body.append(
                py.If(
                    py.Compare(py.Constant(name), [py.In()], [self.name(overrides)]),
                    [
                        py.Assign(
                            [py.Name(var, py.Store())],
                            py.Subscript(self.name(overrides), py.Constant(name), py.Load()),
                        )
                    ],
                    [],
                )
            )
        values: list[py.expr] = [self.name(scope.names[name]) for name in e.attrs]
        literal = py.Dict(keys, values)  # type: ignore[arg-type]
        static = self.call("ATTRS", literal, self.positions(e))
        result: py.expr = self.call("UPDATE", static, self.name(overrides))
        if e.dynamic:
            dynamic_set = nix.AttrSet(e.span, False, {}, e.dynamic, [])
            extra = self.e_AttrSet(dynamic_set, inner, body)
            result = self.call("UPDATE", result, extra)
        body.append(self.at(py.Return(result), e.span))
        fn = self.fresh("overridden")
        out.append(self.at(_def(fn, [], body), e.span))
        return self.call(fn, span=e.span)

    def e_Let(self, e: nix.Let, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        scope = Scope({name: self.fresh(name) for name in e.bindings.attrs})
        inner = [*scopes, scope]
        self.bind_entries(e.bindings, inner, scopes, out, assign=scope.names)
        return self.strict(e.body, inner, out)

    def e_With(self, e: nix.With, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        if isinstance(e.env, nix.AttrSet) and not e.env.dynamic and not e.env.recursive:
            # A set written out (``with { a = 1; }; ...``): building it cannot fail, so it
            # is built at once, saving the thunk that would build it on first lookup.
            env = self.expr(e.env, scopes, out)
        else:
            env = self.lazy(e.env, scopes, out)
        outer = next((s.chain for s in reversed(scopes) if isinstance(s, WithScope)), None)
        chain = self.fresh("withs")
        environments: list[py.expr] = [self.call("WITH_ENV", env, self.constant(e.span, "span"))]
        if outer is not None:
            environments.append(py.Starred(self.name(outer), py.Load()))
        out.append(py.Assign([py.Name(chain, py.Store())], py.Tuple(environments, py.Load())))
        return self.strict(e.body, [*scopes, WithScope(chain)], out)

    def e_InheritSource(
        self, e: nix.InheritSource, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        raise AssertionError("inherit sources are compiled with their set")

    # -- control ----------------------------------------------------------------------------------

    def region(self, part: nix.Expr, message: str, span: Span) -> None:
        """Errors raised while ``part`` is evaluated get ``… message`` at ``span``."""
        self.regions.append(Region(part.span.start, part.span.end, message, span))

    def e_If(self, e: nix.If, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        self.region(e.cond, "while evaluating a branch condition", e.span)
        cond = self.strict(e.cond, scopes, out)
        if not _is_boolean(e.cond):
            cond = self.call("COND", cond, span=e.span)
        return py.IfExp(cond, self.strict(e.then, scopes, out), self.strict(e.else_, scopes, out))

    def e_Assert(
        self, e: nix.Assert, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        from tvix_eval.syntax.printer import print_expr

        text = print_expr(e.cond)
        self.region(e.cond, "in the condition of the assert statement", e.span)
        cond = e.cond
        if isinstance(cond, nix.BinOp) and cond.op == "==":
            # ``EQ(l := left, r := right) or ASSERT_UNEQUAL(l, r, ...)``: the comparison is
            # the condition's (its errors are traced as such), the explanation the assert's.
            sides = [self.fresh("left"), self.fresh("right")]
            operands = [
                py.NamedExpr(py.Name(var, py.Store()), self.strict(side, scopes, out))
                for var, side in zip(sides, (cond.left, cond.right), strict=True)
            ]
            equal = self.call("EQ", *operands, span=cond.op_span or cond.span)
            explain = self.call(
                "ASSERT_UNEQUAL",
                *(self.name(var) for var in sides),
                py.Constant(text),
                self.constant(e.span, "span"),
                span=e.span,
            )
            check: py.expr = py.BoolOp(py.Or(), [equal, explain])
        else:
            condition = self.strict(cond, scopes, out)
            check = self.call("ASSERT", condition, py.Constant(text), span=e.span)
        return py.IfExp(check, self.strict(e.body, scopes, out), py.Constant(None))

    # -- functions --------------------------------------------------------------------------------

    def e_Lambda(
        self, e: nix.Lambda, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        return self.compile_lambda(e, scopes, out, self.fresh("lambda"))

    def compile_lambda(
        self, e: nix.Lambda, scopes: list[Scope | WithScope], out: list[py.stmt], fn: str
    ) -> py.expr:
        """Define the lambda as the Python function ``fn``; the expression is its name."""
        with self.nested():
            return self._compile_lambda(e, scopes, out, fn)

    def _compile_lambda(
        self, e: nix.Lambda, scopes: list[Scope | WithScope], out: list[py.stmt], fn: str
    ) -> py.expr:
        # Known before the body is compiled: a recursive call is direct too.
        arity, inner_body = 1, e.body
        while isinstance(inner_body, nix.Lambda):
            arity, inner_body = arity + 1, inner_body.body
        self.arities[fn] = arity
        body: list[py.stmt] = []
        names: dict[str, str] = {}
        if e.formals is None:
            assert e.param is not None
            arg = names[e.param] = self.fresh(e.param)
        else:
            arg = self.fresh("arg")
            if e.param is not None:
                names[e.param] = arg
            for formal in e.formals.entries:
                names[formal.name] = self.fresh(formal.name)
        inner = [*scopes, Scope(names)]
        if e.formals is not None:
            info_name = self.fresh("info")
            checked = self.fresh("args")
            body.append(
                self.at(
                    py.Assign(
                        [py.Name(checked, py.Store())],
                        self.call("FORMALS", self.name(arg), self.name(info_name)),
                    ),
                    e.span,
                )
            )  # type: ignore[arg-type]
            self.unassigned.update(names[f.name] for f in e.formals.entries)
            for formal in e.formals.entries:
                lookup = py.Subscript(self.name(checked), py.Constant(formal.name), py.Load())
                if formal.default is None:
                    value: py.expr = lookup
                else:
                    default = self.lazy(formal.default, inner, body)
                    value = py.IfExp(
                        py.Compare(py.Constant(formal.name), [py.In()], [self.name(checked)]),
                        lookup,
                        default,
                    )
                body.append(py.Assign([py.Name(names[formal.name], py.Store())], value))
                self.unassigned.discard(names[formal.name])
            self.lambda_infos_pending.append((fn, info_name, e))
        else:
            self.lambda_infos_pending.append((fn, None, e))
            first, calls = _first_forced(e.body)
            if first is not None and first.name == e.param:
                self.forces_argument[fn] = calls
                # The body forces the argument before anything else: force it once here (as
                # many calls deep as the body would).
                forced = self.force(self.name(arg), deeper=calls)
                body.append(self.at(py.Assign([py.Name(arg, py.Store())], forced), first.span))
                self.forced.add(arg)
        result = self.strict(e.body, inner, body)
        body.append(self.at(py.Return(result), e.body.span))  # type: ignore[arg-type]
        out.append(self.at(_def(fn, [arg], _counting_depth(body)), e.span))  # type: ignore[arg-type]
        return self.name(fn)

    def e_Apply(self, e: nix.Apply, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        # ``f a b c`` applies f to up to three arguments in one helper call (one call level,
        # as in C++ Nix). The calls return forced values: compiled lambdas return forced
        # values, and so do builtins (their contract).
        args = [e.arg]
        fn_expr = e.fn
        while isinstance(fn_expr, nix.Apply) and len(args) < 3:
            args.append(fn_expr.arg)
            fn_expr = fn_expr.fn
        args.reverse()
        fn = self.strict(fn_expr, scopes, out)
        # A known lambda that forces its argument before anything else can be given a value
        # computed ahead as it is: nothing could see it unforced.
        raw = None
        if len(args) == 1 and isinstance(fn, py.Name):
            raw = self.forces_argument.get(fn.id)
        values = [self.lazy(a, scopes, out, raw=raw) for a in args]
        if isinstance(fn, py.Name) and fn.id in self.arities:
            # A known lambda, which counts its own call depth: called directly, and so are
            # the lambdas it is known to return.
            applied: py.expr = fn
            for _ in range(min(self.arities[fn.id], len(values))):
                applied = self.at(py.Call(applied, [values.pop(0)], []), e.span)
            if not values:
                return applied
            fn = applied
        helper = ("CALL", "CALL2", "CALL3")[len(values) - 1]
        return self.call(helper, fn, *values, span=e.span)

    # -- operators --------------------------------------------------------------------------------

    BINARY: ClassVar[dict[str, str]] = {
        "+": "ADD",
        "-": "SUB",
        "*": "MUL",
        "/": "DIV",
        "++": "CONCAT",
        "//": "UPDATE",
    }

    #: Comparison -> (helper, Python operator on two integers, whether the helper takes the
    #: operands swapped).
    COMPARISONS: ClassVar[dict[str, tuple[str, py.cmpop, bool]]] = {
        "==": ("EQ", py.Eq(), False),
        "!=": ("NEQ", py.NotEq(), False),
        "<": ("LT", py.Lt(), False),
        ">": ("LT", py.Gt(), True),
        "<=": ("NOT_LT", py.LtE(), True),
        ">=": ("NOT_LT", py.GtE(), False),
    }

    def held_ints(self, operands: tuple[py.expr, py.expr]) -> tuple[list[py.expr], py.expr | None]:
        """The operands as code that evaluates each once, in the order given (names and
        constants as they are, others held in fresh names), and the test that the held ones
        are integers (None if both are constants): ``&`` rather than ``and``, so that the
        second is evaluated even if the first is no integer."""
        held: list[py.expr] = []
        checks: list[py.expr] = []
        for operand in operands:
            if isinstance(operand, py.Constant | py.Name):
                held.append(operand)
                if isinstance(operand, py.Name):
                    checks.append(self.is_int(operand))
            else:
                name = self.fresh("operand")
                held.append(self.name(name))
                checks.append(self.is_int(py.NamedExpr(py.Name(name, py.Store()), operand)))
        if not checks:
            return held, None
        return held, checks[0] if len(checks) == 1 else py.BinOp(checks[0], py.BitAnd(), checks[1])

    @staticmethod
    def never_ints(left: py.expr, right: py.expr) -> bool:
        return any(isinstance(o, py.Constant) and type(o.value) is not int for o in (left, right))

    def compare(self, left: py.expr, right: py.expr, op: str, span: Span) -> py.expr:
        """``left OP right`` inline when both are integers, else the comparison's helper,
        the operands evaluated in the order C++ Nix evaluates them (the right one first
        where the helper swaps them)."""
        helper, python_op, swap = self.COMPARISONS[op]
        if self.never_ints(left, right):
            a, b = (right, left) if swap else (left, right)
            return self.call(helper, a, b, span=span)
        (first, second), test = self.held_ints((right, left) if swap else (left, right))
        general = self.call(helper, first, second, span=span)
        if test is None:
            return general
        a, b = (second, first) if swap else (first, second)
        return py.IfExp(test, py.Compare(a, [python_op], [b]), general)

    def arith_fast_path(
        self, left: py.expr, right: py.expr, op: str, span: Span, spans: tuple[Span, Span]
    ) -> py.expr:
        """``left OP right`` inline when both are integers and the result fits in 64 bits,
        else the operator's helper on the same operands, evaluated once and in order."""
        never_ints = self.never_ints(left, right)
        held, test = ([left, right], None) if never_ints else self.held_ints((left, right))
        if op == "+":
            # C++ Nix evaluates + as a concatenation and reports each operand's failure at
            # that operand.
            general = self.call("ADD", *held, self.constant(spans, "spans"), span=spans[1])
        else:
            general = self.call(self.BINARY[op], *held, span=span)
        if never_ints:
            return general
        result, fits = self.computed_int64(held[0], self.SPECULABLE[op], held[1])
        test = fits if test is None else py.BoolOp(py.And(), [test, fits])
        return py.IfExp(test, self.name(result), general)

    #: Operators C++ Nix parses as calls of a builtin (``a - b`` is ``__sub a b``, ``a >= b``
    #: is ``!(__lessThan a b)``): an error in an operand is reported inside those calls.
    BUILTIN_OPERATORS: ClassVar[dict[str, tuple[str, ...]]] = {
        "-": ("while calling the 'sub' builtin",),
        "*": ("while calling the 'mul' builtin",),
        "/": ("while calling the 'div' builtin",),
        "<": ("while calling the 'lessThan' builtin",),
        ">": ("while calling the 'lessThan' builtin",),
        "<=": ("in the argument of the not operator", "while calling the 'lessThan' builtin"),
        ">=": ("in the argument of the not operator", "while calling the 'lessThan' builtin"),
    }

    def e_BinOp(self, e: nix.BinOp, scopes: list[Scope | WithScope], out: list[py.stmt]) -> py.expr:
        span = e.op_span or e.span
        if e.op == "//":
            self.region(e.left, "in the left operand of the update (//) operator", span)
            self.region(e.right, "in the right operand of the update (//) operator", span)
        else:
            for message in self.BUILTIN_OPERATORS.get(e.op, ()):  # outermost first
                self.region(e.left, message, span)
                self.region(e.right, message, span)
        if e.op not in self.BUILTIN_OPERATORS:
            left = self.strict(e.left, scopes, out)
            right = self.strict(e.right, scopes, out)
            if e.op in ("&&", "||", "->"):
                name = {"&&": "AND (&&)", "||": "OR (||)", "->": "IMPL (->)"}[e.op]
                self.region(e.left, f"in the left operand of the {name} operator", span)
                self.region(e.right, f"in the right operand of the {name} operator", span)
            return self.operation(e.op, left, right, span, (e.left.span, e.right.span))
        (left, quiet_left), (right, quiet_right) = (
            self.operand(e.left, scopes, out),
            self.operand(e.right, scopes, out),
        )
        value = self.operation(e.op, left, right, span, (e.left.span, e.right.span))
        return self.one_call_deeper(value, quiet_left and quiet_right, span)

    def operand(
        self, e: nix.Expr, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> tuple[py.expr, bool]:
        """The forced value of an operand of an operator C++ Nix runs as a builtin call, and
        whether computing it can run no other code than forcing a variable (which is then
        done one call deeper, as it would be inside that call)."""
        value = self.strict(e, scopes, out, deeper=1)
        # A variable is forced in place (``x if type(x) is not T else ...``), unless it is
        # looked up through ``with``.
        forced_variable = isinstance(e, nix.Var) and isinstance(value, py.IfExp)
        return value, forced_variable or isinstance(value, py.Constant | py.Name)

    def one_call_deeper(self, value: py.expr, quiet: bool, span: Span) -> py.expr:
        """``value``, the code of an operator C++ Nix evaluates as a call of a builtin (``-``
        is ``__sub``...), computed one call deeper (``max-call-depth``): its operands are
        evaluated in that call. ``quiet`` operands run no code but forcing variables (done
        one call deeper already, see :meth:`operand`), so only the call itself is checked."""
        if quiet:
            depth_left = py.Compare(py.Name("DEPTH", py.Load()), [py.Gt()], [py.Constant(0)])
            return py.IfExp(depth_left, value, self.call("TOO_DEEP_HERE", span=span))
        entered = py.BoolOp(py.Or(), [self.call("ENTER", span=span), value])
        return self.call("LEAVE", entered, span=span)

    def operation(
        self, op: str, left: py.expr, right: py.expr, span: Span, spans: tuple[Span, Span]
    ) -> py.expr:
        """``left op right``, both already computed (forced)."""
        if op in self.SPECULABLE:
            return self.arith_fast_path(left, right, op, span, spans)
        if op in self.COMPARISONS:
            return self.compare(left, right, op, span)
        if op == "/" and not self.never_ints(left, right):
            # Inline for a non-negative integer by a positive one, where Python's floor
            # division is Nix's (which truncates toward zero).
            (a, b), test = self.held_ints((left, right))
            general = self.call("DIV", a, b, span=span)
            if test is None:
                return general
            signs = (
                py.Compare(a, [py.GtE()], [py.Constant(0)]),
                py.Compare(b, [py.Gt()], [py.Constant(0)]),
            )
            return py.IfExp(
                py.BoolOp(py.And(), [test, *signs]), py.BinOp(a, py.FloorDiv(), b), general
            )
        if op in self.BINARY:
            return self.call(self.BINARY[op], left, right, span=span)
        if op == "&&":
            return py.IfExp(
                self.call("BOOL_OP", left, py.Constant("AND (&&)"), py.Constant("left"), span=span),
                self.call(
                    "BOOL_OP", right, py.Constant("AND (&&)"), py.Constant("right"), span=span
                ),
                py.Constant(False),
            )
        if op == "||":
            return py.IfExp(
                self.call("BOOL_OP", left, py.Constant("OR (||)"), py.Constant("left"), span=span),
                py.Constant(True),
                self.call(
                    "BOOL_OP", right, py.Constant("OR (||)"), py.Constant("right"), span=span
                ),
            )
        if op == "->":
            return py.IfExp(
                self.call(
                    "BOOL_OP", left, py.Constant("IMPL (->)"), py.Constant("left"), span=span
                ),
                self.call(
                    "BOOL_OP", right, py.Constant("IMPL (->)"), py.Constant("right"), span=span
                ),
                py.Constant(True),
            )
        raise AssertionError(f"unknown operator {op}")

    def e_UnaryOp(
        self, e: nix.UnaryOp, scopes: list[Scope | WithScope], out: list[py.stmt]
    ) -> py.expr:
        if e.op == "not":
            self.region(e.expr, "in the argument of the not operator", _position(e.expr))
            operand = self.strict(e.expr, scopes, out)
            return py.UnaryOp(py.Not(), self.call("NOT", operand, span=e.span))
        self.region(e.expr, "while calling the 'sub' builtin", e.span)
        operand, quiet = self.operand(e.expr, scopes, out)
        if isinstance(operand, py.Constant) and type(operand.value) is int:
            negated: py.expr = py.Constant(-operand.value)  # 0 - n cannot fail
        else:
            negated = self.call("SUB", py.Constant(0), operand, span=e.span)
        return self.one_call_deeper(negated, quiet, e.span)  # C++ Nix: __sub 0 x


#: Names of the base environment that are constants, when nothing overrides them.
_CONSTANTS = {"true": True, "false": False, "null": None}

_BOOLEAN_OPS = frozenset({"==", "!=", "<", "<=", ">", ">=", "&&", "||", "->"})
_RIGHT_FIRST = frozenset({">", "<="})
_STRICT_OPS = frozenset({"+", "-", "*", "/", "++", "//", "==", "!=", "<", ">=", "&&", "||", "->"})


def _position(e: nix.Expr) -> Span:
    """Where C++ Nix places ``e``: a binary operation at its operator, a negation (which
    has no position of its own) where its argument is."""
    while isinstance(e, nix.UnaryOp) and e.op == "not":
        e = e.expr
    if isinstance(e, nix.BinOp) and e.op_span is not None:
        return e.op_span
    return e.span


def _is_boolean(e: nix.Expr) -> bool:
    """Whether ``e`` is sure to produce a Boolean (so a condition need not check)."""
    if isinstance(e, nix.BinOp):
        return e.op in _BOOLEAN_OPS
    if isinstance(e, nix.UnaryOp):
        return e.op == "not"
    return isinstance(e, nix.HasAttr)


def _first_forced(e: nix.Expr) -> tuple[nix.Var | None, int]:
    """The variable ``e`` forces before doing anything else, if one does, and inside how
    many calls (operators C++ Nix runs as calls: ``n < 2`` forces ``n`` in ``__lessThan``).

    Only looks through constructs that bind nothing, so the name found is the one visible
    where ``e`` is."""
    calls = 0
    while True:
        if isinstance(e, nix.Var):
            return e, calls
        if isinstance(e, nix.If | nix.Assert):
            e = e.cond
        elif isinstance(e, nix.BinOp):
            calls += e.op in Compiler.BUILTIN_OPERATORS
            if e.op in _RIGHT_FIRST:
                e = e.right
            elif e.op in _STRICT_OPS:
                e = e.left
            else:
                return None, 0
        elif isinstance(e, nix.Select | nix.HasAttr):
            e = e.expr
        elif isinstance(e, nix.Apply):
            e = e.fn
        elif isinstance(e, nix.UnaryOp):
            calls += e.op == "neg"
            e = e.expr
        else:
            return None, 0


def _counting_depth(body: list[py.stmt]) -> list[py.stmt]:
    """A lambda's ``body`` (ending in its one ``return``), run one call deeper
    (``max-call-depth``): ``DEPTH``, the calls still allowed, a cell all compiled code
    shares, is taken one from on entry and given back on return.

    Not on an exception: a ``finally`` would run in the frame and move its position, which
    error traces read later. The calls an error unwinds keep their count; ``tryEval``, the
    one place evaluation goes on after an error, puts the count back as it found it."""
    *statements, returned = body
    assert isinstance(returned, py.Return) and returned.value is not None
    depth = py.Name("DEPTH", py.Store())
    return [
        py.Nonlocal(["DEPTH"]),
        py.AugAssign(depth, py.Sub(), py.Constant(1)),
        py.If(
            py.Compare(py.Name("DEPTH", py.Load()), [py.Lt()], [py.Constant(0)]),
            [py.Expr(py.Call(py.Name("TOO_DEEP", py.Load()), [], []))],
            [],
        ),
        *statements,
        py.Assign([py.Name("RESULT", py.Store())], returned.value),
        py.AugAssign(depth, py.Add(), py.Constant(1)),
        py.Return(py.Name("RESULT", py.Load())),
    ]


def _no_args() -> py.arguments:
    return py.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


def _def(name: str, params: list[str], body: list[py.stmt]) -> py.FunctionDef:
    args = py.arguments(
        posonlyargs=[],
        args=[py.arg(p) for p in params],
        kwonlyargs=[],
        kw_defaults=[],
        defaults=[],
    )
    return py.FunctionDef(name, args, body, [], None)


def compile_expr(
    root: nix.Expr,
    source: Source,
    globals_: set[str],
    *,
    dynamic_globals: bool = False,
    forced_globals: frozenset[str] = frozenset(),
    filename: str | None = None,
) -> CompiledFile:
    """Compile ``root`` into a code object defining ``main()``, which returns its value.

    ``globals_`` are the names of the base environment (``builtins``, ``true``, ``map``...),
    which compiled code reads as module globals ``G_<name>``; those in ``forced_globals``
    are never thunks (``true``, ``false`` and ``null`` among them become constants). With
    ``dynamic_globals`` an unknown name is looked up at run time with ``SCOPE`` (for
    ``scopedImport``) instead of being an ``undefined variable`` error.
    """
    compiler = Compiler(source, globals_, dynamic_globals, forced_globals)
    body: list[py.stmt] = []
    result = compiler.lazy(root, [], body)
    # At the whole expression: a position left to _fill_positions would be offset 0, inside
    # any trace region that starts there.
    body.append(compiler.at(py.Return(compiler.call("F", result, span=root.span)), root.span))
    depth = py.Assign([py.Name("DEPTH", py.Store())], py.Constant(0))  # makes DEPTH a cell
    outer = _def(OUTER, [], [depth, _def("main", [], body), py.Return(compiler.name("main"))])
    module = py.Module([outer], [])
    binding_names = _lambda_names(root)
    _fill_positions(module)
    code = compile(module, filename or PREFIX + source.name, "exec", dont_inherit=True, optimize=2)
    infos: dict[str, LambdaInfo] = {}
    for fn, info_name, e in compiler.lambda_infos_pending:
        formals = None
        if e.formals is not None:
            formals = tuple(
                sorted(
                    (Formal(f.name, f.default is not None, f.span) for f in e.formals.entries),
                    key=lambda f: f.name,
                )
            )
        info = LambdaInfo(
            binding_names.get(id(e)),
            e.span,
            formals,
            bool(e.formals and e.formals.ellipsis),
            e.param,
        )
        infos[fn] = info
        if info_name is not None:
            compiler.constants[info_name] = info
    compiled = CompiledFile(code, source, compiler.constants, infos, compiler.regions)
    register_lambdas(compiled)
    return compiled


def _lambda_names(root: nix.Expr) -> dict[int, str]:
    """Name each lambda after the attribute or ``let`` binding it is the value of, which is
    what C++ Nix calls it in traces and errors (``function 'f' called without ...``)."""
    names: dict[int, str] = {}
    stack: list[nix.Expr] = [root]
    while stack:
        node = stack.pop()
        bindings = (
            node.attrs
            if isinstance(node, nix.AttrSet)
            else node.bindings.attrs
            if isinstance(node, nix.Let)
            else {}
        )
        for name, entry in bindings.items():
            value = entry.value
            # A curried function's inner lambdas are called by its name too.
            while isinstance(value, nix.Lambda):
                names[id(value)] = name
                value = value.body
        stack.extend(_children(node))
    return names


def _children(node: nix.Expr) -> Iterator[nix.Expr]:
    for slot in type(node).__slots__ if hasattr(type(node), "__slots__") else ():
        value = getattr(node, slot, None)
        yield from _exprs_in(value)


def _exprs_in(value: object) -> Iterator[nix.Expr]:
    if isinstance(value, nix.Expr):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _exprs_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _exprs_in(item)
    elif isinstance(value, nix.AttrEntry | nix.DynamicAttr):
        yield value.value
        if isinstance(value, nix.DynamicAttr):
            yield value.name
    elif isinstance(value, nix.Formals):
        for formal in value.entries:
            if formal.default is not None:
                yield formal.default
    elif isinstance(value, nix.Formal) and value.default is not None:
        yield value.default


def _fill_positions(module: py.Module) -> None:
    """Give nodes without a Nix position their parent's, so compile() accepts the tree."""

    AST = py.AST
    stack: list[tuple[py.AST, int, int]] = [(module, 1, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, lineno, end = pop()
        if "lineno" in node._attributes:
            if getattr(node, "lineno", None) is None:
                node.lineno = lineno  # type: ignore[attr-defined]
                # Python places a method call at the end of its attribute (``x.force()`` at
                # ``force``): an attribute ending where it starts keeps the call at the start.
                attribute = type(node) is py.Attribute
                node.end_lineno = lineno if attribute else end  # type: ignore[attr-defined]
                node.col_offset = 0  # type: ignore[attr-defined]
                node.end_col_offset = 0  # type: ignore[attr-defined]
            else:
                lineno, end = node.lineno, node.end_lineno  # type: ignore[attr-defined]
        for name in node._fields:
            field = getattr(node, name, None)
            if isinstance(field, AST):
                push((field, lineno, end))
            elif type(field) is list:
                for item in field:
                    if isinstance(item, AST):
                        push((item, lineno, end))
