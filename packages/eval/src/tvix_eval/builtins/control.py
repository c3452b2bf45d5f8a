"""Errors, tracing and evaluation order: throw, abort, tryEval, seq, deepSeq, trace, warn,
addErrorContext, break, traceVerbose."""

from __future__ import annotations

from collections.abc import Reversible
from typing import Any

from tvix_eval.builtins.arguments import string_arg
from tvix_eval.builtins.log import log
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import Abort, NixError, ThrownError
from tvix_eval.printer import print_value
from tvix_eval.runtime import ops
from tvix_eval.runtime.calls import DEPTH
from tvix_eval.runtime.trace import DEEP_FORCERS
from tvix_eval.value import Attrs, ContextStr, Thunk, attr_position, force

__all__ = ["deep_force", "warn_and_abort"]

Value = Any


def _message(value: Value, what: str) -> str:
    return ops.coerce_to_string(force(value), what, copy_to_store=False)


@builtin("throw", 1, global_=True)
def throw(message: Value) -> Value:
    # "builtin.throw" (sic): C++ Nix 2.26's wording.
    what = "while evaluating the error message passed to builtin.throw"
    raise ThrownError(_message(message, what))


@builtin("abort", 1, global_=True)
def abort(message: Value) -> Value:
    text = _message(message, "while evaluating the error message passed to builtins.abort")
    raise Abort(f"evaluation aborted with the following error message: '{text}'")


@builtin("tryEval", 1)
def try_eval(expr: Value) -> dict[str, Value]:
    depth = DEPTH.cell_contents
    try:
        value = force(expr)
    except NixError as e:
        if not e.catchable:
            raise
        # The calls the error unwound did not give their depth back (see compiled lambdas).
        DEPTH.cell_contents = depth
        return {"success": False, "value": False}
    return {"success": True, "value": value}


@builtin("seq", 2)
def seq(first: Value, second: Value) -> Value:
    force(first)
    return force(second)


@builtin("deepSeq", 2)
def deep_seq(first: Value, second: Value) -> Value:
    deep_force(first)
    return force(second)


#: The names C++ Nix 2.26 interns before reading any code, in the order it interns them. It
#: keeps a set's attributes ordered by when their names were interned, and forces them in
#: that order (``forceValueDeep``): these come first, the others as the code names them
#: (which a set's own order follows). A derivation's ``outPath`` is forced before its
#: ``all`` or ``builder`` so, whatever the order they were written in.
_INTERNED_FIRST_NAMES = [
    "outPath", "drvPath", "type", "meta", "name", "value", "system", "__overrides", "outputs",
    "outputName", "__ignoreNulls", "file", "line", "column", "__functor", "__toString", "right",
    "wrong", "__structuredAttrs", "allowedReferences", "allowedRequisites",
    "disallowedReferences", "disallowedRequisites", "maxSize", "maxClosureSize", "builder",
    "args", "__contentAddressed", "__impure", "outputHash", "outputHashAlgo", "outputHashMode",
    "recurseForDerivations", "description", "self", "", "startSet", "operator", "key", "path",
    "prefix", "outputSpecified",
]
_INTERNED_FIRST: dict[str, int] = {name: rank for rank, name in enumerate(_INTERNED_FIRST_NAMES)}
_LATER = len(_INTERNED_FIRST)


def _in_forcing_order(attrs: dict[str, Value]) -> Reversible[tuple[str, Value]]:
    if _INTERNED_FIRST.keys().isdisjoint(attrs):  # most sets: one scan, in C
        return attrs.items()
    items = list(attrs.items())
    ranked = sorted(enumerate(items), key=lambda e: (_INTERNED_FIRST.get(e[1][0], _LATER), e[0]))
    return [item for _, item in ranked]


def deep_force(value: Value) -> Value:
    """Force a value and everything in it, depth first in attribute order, as C++ Nix's
    ``forceValueDeep`` does: an error inside an attribute gets ``while evaluating the
    attribute 'name'`` for it and for every attribute around it. No native recursion:
    lists and sets nest deeply."""
    root = force(value)
    seen: set[int] = set()
    # Each entry: a value still to force, and the chain of attributes it sits in as
    # (name, what its thunk computes, enclosing chain).
    stack: list[tuple[Value, Any]] = [(root, None)]
    while stack:
        item, where = stack.pop()
        if type(item) is Thunk:
            try:
                item = item.force()
            except NixError as e:
                _attribute_traces(e, where)
                raise
        t = type(item)
        if t is list:
            if not item or id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend((element, where) for element in reversed(item))
        elif t is dict or t is Attrs:
            if not item or id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend(
                (v, (name, item, where)) for name, v in reversed(_in_forcing_order(item))
            )
    return root


DEEP_FORCERS.add(deep_force.__code__)


def _attribute_traces(error: NixError, where: Any) -> None:
    while where is not None:
        name, attrs, where = where
        error.add_trace(f"while evaluating the attribute '{name}'", attr_position(attrs, name))


@builtin("trace", 2)
def trace(message: Value, value: Value) -> Value:
    shown = force(message)
    if type(shown) is str or type(shown) is ContextStr:
        text = str(shown)
    else:
        text = print_value(shown, strict=False, for_error=True, elide=False)
    log(f"trace: {text}")
    return force(value)


@builtin("traceVerbose", 2)
def trace_verbose(message: Value, value: Value) -> Value:
    """Without ``--trace-verbose`` (which tvix eval does not have) it only returns."""
    return force(value)


@builtin("warn", 2)
def warn(message: Value, value: Value) -> Value:
    _print_warning(message)
    return force(value)


def warn_and_abort(message: Value, value: Value) -> Value:
    """``builtins.warn`` under the ``abort-on-warn`` setting: the warning, then an error
    (which ``tryEval`` does not catch) whose trace shows where the warning came from."""
    _print_warning(message)
    error = NixError("aborting to reveal stack trace of warning, as abort-on-warn is set")
    error.positioned = False
    raise error


def _print_warning(message: Value) -> None:
    text = string_arg(message, "", what="the first argument; the message passed to builtins.warn")
    log(_indented("evaluation warning: ", str(text)))


def _indented(prefix: str, text: str) -> str:
    """How C++ Nix lays out a warning: trailing whitespace dropped (of the message and of
    each line), ``prefix`` before the first line and as many spaces before the others."""
    body = text.rstrip(_WHITESPACE)
    if not body:
        return ""
    lines = body.split("\n")
    pad = " " * len(prefix)
    out = [(prefix + lines[0]).rstrip(_WHITESPACE)]
    out.extend((pad + line).rstrip(_WHITESPACE) for line in lines[1:])
    return "\n".join(out)


_WHITESPACE = " \n\r\t"


@builtin("addErrorContext", 2, traced=False)
def add_error_context(message: Value, value: Value) -> Value:
    try:
        return force(value)
    except NixError as e:
        what = "while evaluating the error message passed to builtins.addErrorContext"
        e.add_trace(_message(message, what))
        raise


@builtin("break", 1, global_=True, traced=False)
def break_(value: Value) -> Value:
    """Without the debugger (tvix eval has none) ``break`` is the identity."""
    return force(value)
