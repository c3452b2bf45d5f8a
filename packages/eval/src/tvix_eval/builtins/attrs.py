"""Attribute set builtins."""

from __future__ import annotations

from functools import partial
from typing import Any

from tvix_eval.builtins.arguments import function_arg, list_arg, set_arg, string_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.runtime.calls import call
from tvix_eval.value import LAMBDAS, Thunk, force, sorted_names

Value = Any


@builtin("attrNames", 1)
def attr_names(attrs: Value) -> list[str]:
    return sorted_names(set_arg(attrs, "attrNames"))


@builtin("attrValues", 1)
def attr_values(attrs: Value) -> list[Value]:
    attrs = set_arg(attrs, "attrValues")
    return [attrs[name] for name in sorted_names(attrs)]


@builtin("getAttr", 2)
def get_attr(name: Value, attrs: Value) -> Value:
    key = string_arg(name, "getAttr", 0)
    attrs = set_arg(attrs, "getAttr", 1)
    if key not in attrs:
        error = ops.missing_attribute(str(key), attrs)
        error.add_trace("in the attribute set under consideration")
        raise error
    return force(attrs[key])


@builtin("hasAttr", 2)
def has_attr(name: Value, attrs: Value) -> bool:
    return string_arg(name, "hasAttr", 0) in set_arg(attrs, "hasAttr", 1)


@builtin("removeAttrs", 2, global_=True)
def remove_attrs(attrs: Value, names: Value) -> dict[str, Value]:
    attrs = set_arg(attrs, "removeAttrs", 0)
    drop = {
        str(
            string_arg(
                n, "removeAttrs", what="an element of the list passed to builtins.removeAttrs"
            )
        )
        for n in list_arg(names, "removeAttrs", 1)
    }
    if not drop & attrs.keys():
        return attrs
    return {k: v for k, v in attrs.items() if k not in drop}


@builtin("listToAttrs", 1)
def list_to_attrs(items: Value) -> dict[str, Value]:
    result: dict[str, Value] = {}
    for item in list_arg(items, "listToAttrs"):
        entry = set_arg(
            item, "listToAttrs", what="an element of the list passed to builtins.listToAttrs"
        )
        if "name" not in entry:
            raise ops.missing_attribute("name", entry)
        key = string_arg(
            entry["name"],
            "listToAttrs",
            what="the `name` attribute of an element of the list passed to builtins.listToAttrs",
        )
        if key not in result:
            if "value" not in entry:
                raise ops.missing_attribute("value", entry)
            result[str(key)] = entry["value"]
    return result


@builtin("mapAttrs", 2)
def map_attrs(fn: Value, attrs: Value) -> dict[str, Value]:
    attrs = set_arg(attrs, "mapAttrs", 1)
    return {name: Thunk(partial(_apply2, fn, name, value)) for name, value in attrs.items()}


def _apply2(fn: Value, first: Value, second: Value) -> Value:
    return call(force(call(force(fn), first)), second)


@builtin("intersectAttrs", 2)
def intersect_attrs(a: Value, b: Value) -> dict[str, Value]:
    a = set_arg(a, "intersectAttrs", 0)
    b = set_arg(b, "intersectAttrs", 1)
    return {k: v for k, v in b.items() if k in a}


@builtin("catAttrs", 2)
def cat_attrs(name: Value, items: Value) -> list[Value]:
    key = string_arg(name, "catAttrs", 0)
    result = []
    for item in list_arg(items, "catAttrs", 1):
        attrs = set_arg(
            item,
            "catAttrs",
            what="an element in the list passed as second argument to builtins.catAttrs",
        )
        if key in attrs:
            result.append(attrs[key])
    return result


@builtin("functionArgs", 1)
def function_args(fn: Value) -> dict[str, bool]:
    fn = function_arg(fn, "functionArgs")
    info = LAMBDAS.get(getattr(fn, "__code__", None))  # type: ignore[arg-type]
    if info is None or info.formals is None:
        return {}
    return {f.name: f.has_default for f in info.formals}


_ = NixError
