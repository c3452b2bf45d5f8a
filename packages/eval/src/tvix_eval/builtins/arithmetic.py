"""Arithmetic, comparison and bit operations."""

from __future__ import annotations

import math
from typing import Any

from tvix_eval.builtins.arguments import float_arg, int_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.runtime import ops
from tvix_eval.value import force

Value = Any


@builtin("add", 2)
def add(a: Value, b: Value) -> Value:
    return ops.prim_add(force(a), force(b))


@builtin("sub", 2)
def sub(a: Value, b: Value) -> Value:
    return ops.prim_sub(force(a), force(b))


@builtin("mul", 2)
def mul(a: Value, b: Value) -> Value:
    return ops.prim_mul(force(a), force(b))


@builtin("div", 2)
def div(a: Value, b: Value) -> Value:
    return ops.prim_div(force(a), force(b))


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


@builtin("ceil", 1)
def ceil(value: Value) -> int:
    return _to_int(math.ceil, float_arg(value, "ceil"))


@builtin("floor", 1)
def floor(value: Value) -> int:
    return _to_int(math.floor, float_arg(value, "floor"))


def _to_int(rounding: Any, number: float) -> int:
    """C++ Nix converts the rounded double to a 64-bit integer unchecked; on x86-64 a value
    out of range (or NaN) becomes the smallest integer, which is what it prints."""
    number = float(number)
    if math.isnan(number) or math.isinf(number):
        return ops.INT_MIN
    result = int(rounding(number))
    return result if ops.INT_MIN <= result <= ops.INT_MAX else ops.INT_MIN
