"""Errors, tracing and evaluation order: throw, abort, tryEval, seq, deepSeq, trace."""

from __future__ import annotations

import sys
from typing import Any

from tvix_eval.builtins.arguments import coerced_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import Abort, NixError, ThrownError
from tvix_eval.printer import print_value
from tvix_eval.value import Thunk, force

Value = Any


@builtin("throw", 1, global_=True)
def throw(message: Value) -> Value:
    raise ThrownError(coerced_arg(message, "throw"))


@builtin("abort", 1, global_=True)
def abort(message: Value) -> Value:
    text = coerced_arg(message, "abort")
    raise Abort(f"evaluation aborted with the following error message: '{text}'")


@builtin("tryEval", 1)
def try_eval(expr: Value) -> dict[str, Value]:
    try:
        value = force(expr)
    except NixError as e:
        if not e.catchable:
            raise
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


def deep_force(value: Value) -> Value:
    """Force a value and everything in it, without recursion (lists and sets nest deeply)."""
    seen: set[int] = set()
    root = force(value)
    stack = [root]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is list or t is dict:
            if id(v) in seen:
                continue
            seen.add(id(v))
            for item in v if t is list else v.values():
                stack.append(item.force() if type(item) is Thunk else item)
    return root


@builtin("trace", 2)
def trace(message: Value, value: Value) -> Value:
    shown = force(message)
    text = shown if isinstance(shown, str) else print_value(shown, strict=False)
    print(f"trace: {text}", file=sys.stderr)
    return force(value)
