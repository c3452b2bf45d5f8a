"""Calling Nix functions: compiled lambdas, builtins (one argument at a time), functors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from types import CellType, FrameType, FunctionType
from typing import Any, NoReturn

from tvix_eval.errors import NixError, TypeMismatch, calling_builtin
from tvix_eval.syntax.source import Span
from tvix_eval.value import Attrs, PrimOp, PrimOpApp, Thunk, attr_position, force

Value = Any


#: How many more Nix function calls may be nested (``max-call-depth``, plus one, minus the
#: calls in progress), counting what C++ Nix counts as a call: lambdas', builtins' (here)
#: and the operators it runs as builtins (``-``, ``<``...: compiled code, with the helpers
#: below). Compiled lambdas count themselves, on entry and on return, through this cell,
#: which compiled code closes over as the variable ``DEPTH`` (see
#: :func:`tvix_eval.compiled.entry_point`): a closure cell is the cheapest shared counter
#: Python has, and with the count in the lambda a call site that knows its callee is a
#: lambda calls it directly. An error leaves the count of the calls it unwound: only
#: ``tryEval`` goes on after one, and it puts the count back.
DEPTH = CellType(10_000)


def reset_call_depth(limit: int) -> None:
    """Start an evaluation: no calls in progress. C++ Nix refuses a call when ``limit``
    calls are in progress already: one more than ``limit`` may be nested."""
    DEPTH.cell_contents = limit + 1


def _depth_exceeded() -> NixError:
    return NixError("stack overflow; max-call-depth exceeded")


def enter() -> None:
    """One call deeper, for what C++ Nix runs as a call but compiled code does not (an
    operator such as ``-``, which C++ Nix parses as ``__sub``): ``ENTER() or value``, then
    :func:`leave`. The error, if the limit is reached, is the operator's."""
    depth = DEPTH.cell_contents
    if depth <= 0:
        raise _depth_exceeded()
    DEPTH.cell_contents = depth - 1


def leave(value: Value) -> Value:
    """The call :func:`enter` began is over: ``value`` is its result."""
    DEPTH.cell_contents += 1
    return value


def force_deeper(thunk: Thunk, calls: int) -> Value:
    """A lambda's argument forced where its body first forces it, ``calls`` calls deeper
    (inside operators such as ``n < 2``). Without the depth for them, the thunk is left as
    it is: the body fails entering one of those calls before it looks at the argument."""
    depth = DEPTH.cell_contents
    if depth < calls:
        return thunk
    DEPTH.cell_contents = depth - calls
    value = thunk.force()
    DEPTH.cell_contents = depth
    return value


def too_deep_here() -> NoReturn:
    """A call that runs no code of its own (an operator on computed values) made with no
    depth left: the error is the call's."""
    raise _depth_exceeded()


def too_deep() -> NoReturn:
    """Raised by a compiled lambda entered with no depth left (``TOO_DEEP`` there). C++ Nix
    refuses the call before entering the lambda: the error is the call site's."""
    from tvix_eval.runtime.trace import span_at

    caller = _calling_code(sys._getframe(2))  # the lambda's caller
    span = span_at(caller.f_code, caller.f_lasti) if caller is not None else None
    error = _depth_exceeded()
    error.span, error.located = span, span is not None
    error.positioned = span is not None  # called by a builtin: no position, as in C++ Nix
    raise error


def call(fn: Value, arg: Value) -> Value:
    """Apply a forced function value to one (possibly lazy) argument; the result is forced
    (compiled lambdas return forced values, and builtins must too)."""
    t = type(fn)
    if t is FunctionType:
        return fn(arg)
    if t is PrimOp:
        if fn.arity == 1:
            return _run_primop(fn, (arg,))
        return _partial(fn, (arg,))
    if t is PrimOpApp:
        args = (*fn.args, arg)
        primop = fn.primop
        if len(args) == primop.arity:
            return _run_primop(primop, args)
        return _partial(primop, args)
    if t is dict or t is Attrs:
        functor = fn.get("__functor")
        if functor is not None:
            try:
                return _call_functor(fn, functor, arg)
            except NixError as e:
                e.add_trace(
                    "while calling a functor (an attribute set with a '__functor' attribute)",
                    frame=sys._getframe(1),
                )
                raise
    raise _not_a_function(fn)


def applier(fn: Value) -> Callable[[Value], Value]:
    """A forced function value as a Python callable of one argument, for builtins that apply
    it many times (``map``, ``filter``...): a compiled lambda is its own (it counts its call
    depth itself), anything else goes through :func:`call`."""
    return fn if type(fn) is FunctionType else partial(call, fn)  # type: ignore[no-any-return]


def _partial(primop: PrimOp, args: tuple[Value, ...]) -> PrimOpApp:
    """A builtin given too few arguments: a call all the same for ``max-call-depth``."""
    if DEPTH.cell_contents <= 0:
        raise _depth_exceeded()
    return PrimOpApp(primop, args)


def call_at(fn: Value, arg: Value, span: Span | None) -> Value:
    """:func:`call` where C++ Nix blames a value that is no function at ``span``."""
    if not _callable(fn):
        raise _not_a_function(fn, span)
    return call(fn, arg)


def _call_functor(attrs: dict[str, Value], functor: Value, arg: Value) -> Value:
    """``attrs arg`` as ``attrs.__functor attrs arg``; C++ Nix blames a functor that is no
    function of two arguments at the ``__functor`` attribute."""
    fn = force(functor)
    if not _callable(fn):
        raise _not_a_function(fn, attr_position(attrs, "__functor"))
    # C++ Nix counts the call of the set (refused at the call site), then calls the functor
    # from inside it (refused at the ``__functor`` attribute), applying it to both arguments
    # in that one call: here, the functor's lambda counts that call.
    enter()
    if DEPTH.cell_contents <= 0:
        error = _depth_exceeded()
        error.span = attr_position(attrs, "__functor")
        error.located = error.span is not None
        raise error
    inner = None
    try:
        inner = force(call(fn, attrs))
        if not _callable(inner):
            raise _not_a_function(inner, attr_position(attrs, "__functor"))
        return leave(call(inner, arg))
    except NixError as e:
        # C++ Nix calls what the functor returns from the ``__functor`` attribute: a
        # lambda's call site and a builtin's "while calling" line are there.
        position = attr_position(attrs, "__functor")
        e.forced_here(position, sys._getframe())
        if isinstance(inner, PrimOp | PrimOpApp):
            name = inner.name if isinstance(inner, PrimOp) else inner.primop.name
            last = e.frames[-1] if e.frames else None
            if last is not None and last.message == calling_builtin(name):
                last.span, last.frame = position, None
        raise


def _callable(value: Value) -> bool:
    t = type(value)
    if t is FunctionType or t is PrimOp or t is PrimOpApp:
        return True
    return (t is dict or t is Attrs) and "__functor" in value


def _not_a_function(value: Value, span: Span | None = None) -> TypeMismatch:
    from tvix_eval.runtime.ops import show_value
    from tvix_eval.value import describe

    return TypeMismatch(
        f"attempt to call something which is not a function but {describe(value)}: "
        f"{show_value(value)}",
        span,
    )


def call2(fn: Value, first: Value, second: Value) -> Value:
    """``fn first second``: one call level, as in C++ Nix (whose calls take all their
    arguments at once), and no partial application for a builtin of two arguments."""
    t = type(fn)
    if t is FunctionType:
        inner = fn(first)
        if type(inner) is FunctionType:
            return inner(second)
        return call(inner, second)
    if t is PrimOp and fn.arity == 2:
        return _run_primop(fn, (first, second))
    return call(call(fn, first), second)


def call3(fn: Value, first: Value, second: Value, third: Value) -> Value:
    """``fn first second third``, as :func:`call2`."""
    t = type(fn)
    if t is FunctionType:
        inner = fn(first)
        if type(inner) is FunctionType:
            inner = inner(second)
            if type(inner) is FunctionType:
                return inner(third)
            return call(inner, third)
        return call(call(inner, second), third)
    if t is PrimOp and fn.arity == 3:
        return _run_primop(fn, (first, second, third))
    return call(call(call(fn, first), second), third)


def _run_primop(primop: PrimOp, args: tuple[Value, ...]) -> Value:
    """A builtin's call, one call deeper (C++ Nix counts builtins' calls against
    ``max-call-depth`` as it counts lambdas'). As in compiled lambdas, the depth is given
    back on return only (see :func:`tvix_eval.builtins.control.try_eval`)."""
    depth = DEPTH.cell_contents
    if depth <= 0:
        raise _depth_exceeded()
    DEPTH.cell_contents = depth - 1
    try:
        result = primop.fn(*args)
    except NixError as e:
        if primop.traced:
            e.add_trace(calling_builtin(primop.name), frame=_calling_code(sys._getframe(1)))
        if not e.located and not raised_in_nix_code(e.__traceback__):
            # Raised by the builtin itself: C++ Nix gives it no position of its own, the
            # "while calling" line says where.
            e.positioned = False
        raise
    DEPTH.cell_contents = depth
    return result


def _calling_code(frame: FrameType | None) -> FrameType | None:
    """The compiled Nix code that made a call, found from ``frame`` (the frame that called
    the callee) up past the call helpers: whose position a "while calling" line or a refused
    call gets. None when a builtin made it (``map``'s thunks...): C++ Nix gives such a call
    no position."""
    from tvix_eval.runtime.trace import SOURCES

    while frame is not None and frame.f_code in _CALLING_CODES:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None or frame.f_code.co_filename not in SOURCES:
        return None
    return frame


def raised_in_nix_code(tb: Any) -> bool:
    from tvix_eval.runtime.trace import SOURCES

    while tb is not None:
        if tb.tb_frame.f_code.co_filename in SOURCES:
            return True
        tb = tb.tb_next
    return False



def check_formals(arg: Value, info: Any) -> dict[str, Value]:
    """Force the argument of a lambda with formals and check its attribute names against
    the lambda's :class:`LambdaInfo` (which names are allowed, which have defaults). What
    fails here has the call's "from call site" line and no "while calling" one (see
    :data:`REFUSED`)."""
    if type(arg) is Thunk:
        arg = arg.force()
    if not isinstance(arg, dict):
        from tvix_eval.runtime.ops import type_error

        mismatch = type_error("a set", arg)
        mismatch.positioned = False
        mismatch.add_trace("while evaluating the value passed for the lambda argument", info.span)
        raise mismatch
    assert info.formals is not None
    name = f"'{info.name}'" if info.name else "'anonymous lambda'"
    for formal in info.formals:
        if not formal.has_default and formal.name not in arg:
            error = NixError(f"function {name} called without required argument '{formal.name}'")
            error.span = info.span
            error.located = True
            raise error
    if not info.ellipsis and not info.names.issuperset(arg):
        allowed = info.names
        for key in sorted(arg):
            if key not in allowed:
                error = NixError(f"function {name} called with unexpected argument '{key}'")
                error.span = info.span
                error.located = True
                from tvix_eval.runtime.ops import similar_names

                error.suggestions = similar_names(key, sorted(allowed))
                raise error
    return arg  # type: ignore[no-any-return]


#: The functions between compiled code and a builtin it calls.
_CALLING_CODES = frozenset(
    f.__code__ for f in (call, call2, call3, call_at, _call_functor, _run_primop)
)


#: Code that refuses a call as a compiled lambda starts: C++ Nix had not entered the
#: function, so a trace has no "while calling" line for it. A wrong argument keeps the
#: call site's line (``check_formals``), a call too deep has none (``too_deep``).
REFUSED_WITH_CALL_SITE = frozenset((check_formals.__code__,))
REFUSED = frozenset((check_formals.__code__, too_deep.__code__))
