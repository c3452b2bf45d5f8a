"""List builtins."""

from __future__ import annotations

from functools import partial
from typing import Any

from tvix_eval.builtins.arguments import bool_arg, function_arg, int_arg, list_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.runtime.calls import call
from tvix_eval.value import Thunk, force

Value = Any


@builtin("length", 1)
def length(items: Value) -> int:
    return len(list_arg(items, "length", 0))


@builtin("head", 1)
def head(items: Value) -> Value:
    items = list_arg(items, "head")
    if not items:
        raise NixError("'builtins.head' called on an empty list")
    return force(items[0])


@builtin("tail", 1)
def tail(items: Value) -> list[Value]:
    items = list_arg(items, "tail")
    if not items:
        raise NixError("'builtins.tail' called on an empty list")
    return items[1:]  # type: ignore[no-any-return]


@builtin("elemAt", 2)
def elem_at(items: Value, index: Value) -> Value:
    items = list_arg(items, "elemAt", 0)
    n = int_arg(index, "elemAt", 1)
    if not 0 <= n < len(items):
        raise NixError(f"'builtins.elemAt' called with index {n} on a list of size {len(items)}")
    return force(items[n])


@builtin("map", 2, global_=True)
def map_(fn: Value, items: Value) -> list[Value]:
    items = list_arg(items, "map", 1)
    if not items:
        return []
    fn = function_arg(fn, "map", 0)
    return [Thunk(partial(call, fn, item)) for item in items]


@builtin("filter", 2)
def filter_(fn: Value, items: Value) -> list[Value]:
    items = list_arg(items, "filter", 1)
    if not items:
        return []
    fn = function_arg(fn, "filter", 0)
    kept = []
    for item in items:
        keep = force(call(fn, item))
        if type(keep) is not bool:
            error = ops.type_error("a Boolean", keep)
            error.add_trace(
                "while evaluating the return value of the filtering function passed to "
                "builtins.filter"
            )
            raise error
        if keep:
            kept.append(item)
    return kept if len(kept) != len(items) else items  # type: ignore[no-any-return]


@builtin("foldl'", 3)
def foldl_strict(fn: Value, initial: Value, items: Value) -> Value:
    items = list_arg(items, "foldlStrict", 2)
    if not items:
        return force(initial)
    fn = function_arg(fn, "foldlStrict", 0)
    acc = initial
    for item in items:
        acc = force(call(force(call(fn, acc)), item))
    return acc


@builtin("genList", 2)
def gen_list(fn: Value, count: Value) -> list[Value]:
    n = int_arg(count, "genList", 1)
    if n < 0:
        raise NixError(f"cannot create list of size {n}")
    fn = function_arg(fn, "genList", 0)
    return [Thunk(partial(call, fn, i)) for i in range(n)]


@builtin("concatLists", 1)
def concat_lists(lists: Value) -> list[Value]:
    result: list[Value] = []
    for item in list_arg(lists, "concatLists"):
        result.extend(
            list_arg(item, "concatLists", what="a value of the list passed to builtins.concatLists")
        )
    return result


@builtin("elem", 2)
def elem(value: Value, items: Value) -> bool:
    target = force(value)
    return any(ops.equal(target, force(item)) for item in list_arg(items, "elem", 1))


@builtin("all", 2)
def all_(fn: Value, items: Value) -> bool:
    items = list_arg(items, "all", 1)
    fn = function_arg(fn, "all", 0)
    return all(bool_arg(call(fn, item), "all") for item in items)


@builtin("any", 2)
def any_(fn: Value, items: Value) -> bool:
    items = list_arg(items, "any", 1)
    fn = function_arg(fn, "any", 0)
    return any(bool_arg(call(fn, item), "any") for item in items)
