"""Arithmetic, comparison and bit operations."""

from __future__ import annotations

import math
from typing import Any

from tvix_eval.builtins.arguments import int_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import force

Value = Any


@builtin("add", 2)
def add(a: Value, b: Value) -> Value:
    a, b = force(a), force(b)
    if type(a) in (int, float) and type(b) in (int, float):
        return ops.add(a, b)
    bad = a if type(a) not in (int, float) else b
    raise ops.type_error("an integer", bad)


@builtin("sub", 2)
def sub(a: Value, b: Value) -> Value:
    return ops.raw_sub(force(a), force(b))


@builtin("mul", 2)
def mul(a: Value, b: Value) -> Value:
    return ops.raw_mul(force(a), force(b))


@builtin("div", 2)
def div(a: Value, b: Value) -> Value:
    return ops.raw_div(force(a), force(b))


@builtin("lessThan", 2)
def less_than(a: Value, b: Value) -> bool:
    return ops.raw_less_than(force(a), force(b))


@builtin("bitAnd", 2)
def bit_and(a: Value, b: Value) -> int:
    return int_arg(a, "bitAnd", 0) & int_arg(b, "bitAnd", 1)


@builtin("bitOr", 2)
def bit_or(a: Value, b: Value) -> int:
    return int_arg(a, "bitOr", 0) | int_arg(b, "bitOr", 1)


@builtin("bitXor", 2)
def bit_xor(a: Value, b: Value) -> int:
    return int_arg(a, "bitXor", 0) ^ int_arg(b, "bitXor", 1)


def _number(value: Value, name: str) -> float:
    value = force(value)
    if type(value) is int or type(value) is float:
        return value  # type: ignore[no-any-return]
    error = ops.type_error("a float", value)
    error.add_trace(f"while evaluating the first argument passed to builtins.{name}")
    raise error


@builtin("ceil", 1)
def ceil(value: Value) -> int:
    return _to_int(math.ceil(_number(value, "ceil")))


@builtin("floor", 1)
def floor(value: Value) -> int:
    return _to_int(math.floor(_number(value, "floor")))


def _to_int(result: float) -> int:
    if not ops.INT_MIN <= result <= ops.INT_MAX:
        raise NixError(f"integer overflow in rounding {result}")
    return int(result)
