"""How Nix values are represented in Python.

Plain Python objects wherever one fits, because every wrapper costs an allocation and an
attribute load on the hottest paths:

==========  ==========================================================================
Nix         Python
==========  ==========================================================================
int         ``int`` (never ``bool``: type tests use ``type(v) is int``)
float       ``float``
bool        ``bool``
null        ``None``
string      ``str``, or :class:`ContextStr` (a ``str`` that carries a string context)
path        :class:`NixPath`
list        ``list`` (never mutated once built)
set         ``dict`` of name to value (never mutated once built), or :class:`Attrs`, a
            ``dict`` that also knows where each attribute was defined
lambda      a Python function compiled from Nix; :data:`LAMBDAS` describes it by code object
primop      :class:`PrimOp`, partially applied: :class:`PrimOpApp`
==========  ==========================================================================

Anything lazy is a :class:`Thunk` until forced. Strings hold Nix's bytes decoded as UTF-8 with
``surrogateescape``, so bytes that are not UTF-8 survive a round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType, FunctionType
from typing import Any, Final

from tvix_eval.errors import InfiniteRecursion
from tvix_eval.syntax.source import Span

__all__ = [
    "LAMBDAS",
    "Attrs",
    "ContextStr",
    "LambdaInfo",
    "NixPath",
    "PrimOp",
    "PrimOpApp",
    "Thunk",
    "attr_position",
    "context_of",
    "force",
    "position_value",
    "positions_of",
    "subset_of",
    "type_name",
    "with_positions",
]

Value = Any


def _blackhole() -> Value:  # pragma: no cover - never called, only compared against
    raise AssertionError("blackhole called")


BLACKHOLE: Final = _blackhole


def _ready() -> Value:  # pragma: no cover - never called, only compared against
    raise AssertionError("ready marker called")


#: Marks a thunk whose value was computed ahead of time because computing it could neither
#: fail nor diverge; it still prints as ``<CODE>`` until forced, as C++ Nix's thunk would.
READY: Final = _ready


class Thunk:
    """A value not computed yet: ``fn`` computes it once, then ``value`` holds it.

    While ``fn`` runs the thunk is a black hole, so a value that needs itself is reported as
    infinite recursion instead of overflowing the stack. If ``fn`` fails the thunk is
    restored, so ``tryEval`` and a later access see the same error again, as in C++ Nix.

    ``fn`` must return a forced value (compiled thunk bodies and builtins' thunks do): the
    result is stored as it is, without a loop forcing thunks that return thunks.
    """

    __slots__ = ("fn", "value")
    value: Value

    def __init__(self, fn: Callable[[], Value]) -> None:
        self.fn: Callable[[], Value] | None = fn

    def force(self) -> Value:
        fn = self.fn
        if fn is None:
            return self.value
        if fn is READY:
            self.fn = None
            return self.value
        if fn is BLACKHOLE:
            raise InfiniteRecursion(self.value)
        # While black-holed, ``value`` keeps the computation: it names the culprit in an
        # infinite recursion error, and restores the thunk if the computation fails.
        self.value = fn
        self.fn = BLACKHOLE
        try:
            value = fn()
        except BaseException:
            self.fn = fn
            raise
        self.value = value
        self.fn = None
        return value

    @property
    def forced(self) -> bool:
        return self.fn is None

    @classmethod
    def ready(cls, value: Value) -> Thunk:
        """A thunk whose value is known already, still unforced as far as Nix can see."""
        thunk = cls.__new__(cls)
        thunk.fn = READY
        thunk.value = value
        return thunk


def force(value: Value) -> Value:
    """The value itself, computing it first if it is a thunk."""
    return value.force() if type(value) is Thunk else value


class ContextStr(str):
    """A string with a non-empty string context: the store paths it refers to.

    Context elements are the strings C++ Nix uses in ``builtins.getContext`` terms:
    ``/nix/store/...`` (plain), ``=/nix/store/...drv`` (all outputs of a derivation) and
    ``!out!/nix/store/...drv`` (one output). A ``str`` subclass so that every string
    operation works on it; operations that keep context must carry it over explicitly.
    """

    context: frozenset[str]

    def __new__(cls, text: str, context: frozenset[str]) -> ContextStr:
        self = super().__new__(cls, text)
        self.context = context
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (ContextStr, (str(self), self.context))


EMPTY_CONTEXT: Final[frozenset[str]] = frozenset()


def context_of(value: str) -> frozenset[str]:
    return value.context if type(value) is ContextStr else EMPTY_CONTEXT


def make_string(text: str, context: frozenset[str]) -> str:
    """``text`` with ``context``: a plain ``str`` when the context is empty."""
    return ContextStr(text, context) if context else text


class Attrs(dict[str, Any]):
    """An attribute set that knows where its attributes were defined.

    C++ Nix keeps a position with every attribute; ``unsafeGetAttrPos``, ``--xml`` and error
    traces show it. Sets written in the source (and those derived from them by ``//``,
    ``removeAttrs``, ``intersectAttrs``, ``listToAttrs``, ``functionArgs``) are ``Attrs``;
    sets whose attributes have no position (``mapAttrs``, ``fromJSON``...) stay plain ``dict``.

    ``positions`` maps a name to its :class:`Span` (None: no position). Its names are exactly
    the set's (``//`` merges two of them as it merges the sets); it is shared between the sets
    one literal makes.
    """

    __slots__ = ("positions",)

    positions: dict[str, Span | None]


def with_positions(attrs: dict[str, Any], positions: dict[str, Span | None]) -> Attrs:
    """A copy of ``attrs`` whose attributes are defined at ``positions``."""
    result = Attrs(attrs)
    result.positions = positions
    return result


def subset_of(attrs: dict[str, Any], subset: dict[str, Any]) -> dict[str, Any]:
    """``subset``, a selection of the attributes of ``attrs``, keeping their positions."""
    if type(attrs) is not Attrs:
        return subset
    positions = attrs.positions
    return with_positions(subset, {name: positions.get(name) for name in subset})


def positions_of(attrs: dict[str, Any]) -> dict[str, Span | None] | None:
    """Where the attributes of a set were defined, or None when none of them has a position."""
    return attrs.positions if type(attrs) is Attrs else None


def attr_position(attrs: dict[str, Any], name: str) -> Span | None:
    """Where attribute ``name`` of ``attrs`` was defined, if that is known."""
    if type(attrs) is not Attrs:
        return None
    return attrs.positions.get(name)


def position_value(span: Span | None) -> dict[str, Any] | None:
    """A position as Nix code sees it (``__curPos``, ``unsafeGetAttrPos``): file, line and
    column, or null for text that is not a file (``-E``, stdin), as in C++ Nix."""
    if span is None or span.source.path is None:
        return None
    line, column = span.source.line_col(span.start)
    return {"column": column, "file": span.source.path, "line": line}


class NixPath:
    """A path value: absolute and normalised (no ``.``/``..``, no trailing slash); equal to
    another of the same path, immutable."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __eq__(self, other: object) -> bool:
        return type(other) is NixPath and self.path == other.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __str__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        return f"NixPath({self.path!r})"


class PrimOp:
    """A builtin function of ``arity`` arguments, applied one argument at a time.

    ``traced``: errors passing through a call get ``while calling the 'name' builtin``; C++
    Nix leaves that out for the few builtins that are about traces themselves."""

    __slots__ = ("arity", "fn", "name", "strict", "traced")

    def __init__(
        self, name: str, arity: int, fn: Callable[..., Value], traced: bool = True
    ) -> None:
        self.name = name
        self.arity = arity
        self.fn = fn
        self.traced = traced

    def __repr__(self) -> str:
        return f"<PRIMOP {self.name}>"


class PrimOpApp:
    """A primop applied to fewer arguments than its arity."""

    __slots__ = ("args", "primop")

    def __init__(self, primop: PrimOp, args: tuple[Value, ...]) -> None:
        self.primop = primop
        self.args = args


class Formal:
    """One formal of a lambda's ``{ ... }`` pattern; immutable."""

    __slots__ = ("has_default", "name", "span")

    def __init__(self, name: str, has_default: bool, span: Span | None = None) -> None:
        self.name = name
        self.has_default = has_default
        self.span = span

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Formal
            and (self.name, self.has_default, self.span)
            == (other.name, other.has_default, other.span)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.has_default, self.span))

    def __repr__(self) -> str:
        return f"Formal({self.name!r}, has_default={self.has_default})"


class LambdaInfo:
    """What the compiler knows about a Nix lambda, found by its Python code object;
    immutable.

    ``name`` is the binding it was defined under (for traces: ``while calling 'f'``);
    ``formals`` is None for a plain ``x: ...`` lambda, otherwise its formals sorted by name;
    ``param`` is the name of a plain lambda's argument or of an ``@`` pattern.
    """

    __slots__ = ("ellipsis", "formals", "name", "names", "param", "span")

    def __init__(
        self,
        name: str | None,
        span: Span,
        formals: tuple[Formal, ...] | None,
        ellipsis: bool,
        param: str | None = None,
    ) -> None:
        self.name = name
        self.span = span
        self.formals = formals
        self.ellipsis = ellipsis
        self.param = param
        #: The formals' names, checked against the argument on every call.
        self.names = frozenset(f.name for f in formals or ())

    def __repr__(self) -> str:
        return f"LambdaInfo({self.name!r}, {self.span!r})"


#: Code object of every compiled Nix lambda -> its description. Filled by the compiler;
#: code objects live as long as their module, so the table does not grow without bound
#: beyond the code that was compiled.
LAMBDAS: dict[CodeType, LambdaInfo] = {}


def type_name(value: Value) -> str:
    """The name ``builtins.typeOf`` gives a forced value."""
    t = type(value)
    if t is int:
        return "int"
    if t is str or t is ContextStr:
        return "string"
    if t is dict or t is Attrs:
        return "set"
    if t is list:
        return "list"
    if t is bool:
        return "bool"
    if value is None:
        return "null"
    if t is float:
        return "float"
    if t is NixPath:
        return "path"
    if t is FunctionType or t is PrimOp or t is PrimOpApp:
        return "lambda"
    raise AssertionError(f"not a Nix value: {value!r}")


def describe(value: Value) -> str:
    """How C++ Nix names a value's type in error messages (``a string``, ``an integer``...)."""
    return {
        "int": "an integer",
        "string": "a string",
        "set": "a set",
        "list": "a list",
        "bool": "a Boolean",
        "null": "null",
        "float": "a float",
        "path": "a path",
        "lambda": "a function",
    }[type_name(value)]


def sorted_names(attrs: dict[str, Value]) -> list[str]:
    """Attribute names in Nix's order: by bytes (code point order agrees for ASCII)."""
    names = sorted(attrs)
    if all(name.isascii() for name in names):
        return names
    return sorted(names, key=lambda n: n.encode("utf-8", "surrogateescape"))
