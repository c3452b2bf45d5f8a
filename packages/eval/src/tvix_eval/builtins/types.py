"""Type tests and ``typeOf``."""

from __future__ import annotations

from typing import Any

from tvix_eval.builtins.registry import builtin
from tvix_eval.runtime import ops
from tvix_eval.value import ContextStr, NixPath, force, type_name

Value = Any


@builtin("typeOf", 1)
def type_of(value: Value) -> str:
    return type_name(force(value))


def _type_test(name: str, test: Any, global_: bool = False) -> None:
    builtin(name, 1, global_=global_)(lambda value: test(force(value)))


_type_test("isInt", lambda v: type(v) is int)
_type_test("isFloat", lambda v: type(v) is float)
_type_test("isBool", lambda v: type(v) is bool)
_type_test("isString", lambda v: type(v) is str or type(v) is ContextStr)
_type_test("isPath", lambda v: type(v) is NixPath)
_type_test("isList", lambda v: type(v) is list)
_type_test("isAttrs", lambda v: isinstance(v, dict))
_type_test("isFunction", ops.is_function)
_type_test("isNull", lambda v: v is None, global_=True)
