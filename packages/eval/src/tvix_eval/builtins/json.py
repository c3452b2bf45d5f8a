"""``toJSON`` and ``fromJSON``."""

from __future__ import annotations

import json
import math
from typing import Any

from tvix_eval.builtins.arguments import string_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import ContextStr, NixPath, force, make_string, sorted_names

Value = Any


@builtin("toJSON", 1)
def to_json(value: Value) -> str:
    context: set[str] = set()
    out: list[str] = []
    _write_json(force(value), out, context)
    return make_string("".join(out), frozenset(context))


def _write_json(value: Value, out: list[str], context: set[str]) -> None:
    t = type(value)
    if t is str or t is ContextStr:
        context.update(getattr(value, "context", ()))
        out.append(json.dumps(str(value), ensure_ascii=False))
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int:
        out.append(str(value))
    elif t is float:
        out.append(_json_float(value))
    elif value is None:
        out.append("null")
    elif t is NixPath:
        out.append(json.dumps(value.path, ensure_ascii=False))
    elif t is list:
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write_json(force(item), out, context)
        out.append("]")
    elif t is dict:
        if "__toString" in value or "outPath" in value:
            text = ops.coerce_to_string(value, copy_to_store=False, context=context)
            out.append(json.dumps(text, ensure_ascii=False))
            return
        out.append("{")
        for i, name in enumerate(sorted_names(value)):
            if i:
                out.append(",")
            out.append(json.dumps(name, ensure_ascii=False))
            out.append(":")
            _write_json(force(value[name]), out, context)
        out.append("}")
    else:
        raise NixError("cannot convert a function to JSON")


def _json_float(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return "null"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


@builtin("fromJSON", 1)
def from_json(text: Value) -> Value:
    s = string_arg(text, "fromJSON")
    try:
        return json.loads(str(s), parse_float=float, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as e:
        error = NixError(f"[json.exception.parse_error.101] parse error: {e}")
        error.add_trace("while decoding a JSON string")
        raise error from None


def _refuse_constant(name: str) -> Value:
    raise ValueError(f"invalid literal {name}")
