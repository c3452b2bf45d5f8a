"""List builtins.

Each checks its arguments in C++ Nix's order (which decides the error when several are
wrong) and stays exactly as lazy: elements are forced only where C++ Nix forces them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from tvix_eval.builtins.arguments import checked, function_arg, int_arg, list_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.builtins.sorting import stable_sort
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.runtime.calls import applier, call, call2
from tvix_eval.value import LAMBDAS, PrimOp, Thunk, force

Value = Any


@builtin("length", 1)
def length(items: Value) -> int:
    return len(list_arg(items, "length"))


@builtin("head", 1)
def head(items: Value) -> Value:
    items = list_arg(items, "", what="the first argument passed to 'builtins.head'")
    if not items:
        raise NixError("'builtins.head' called on an empty list")
    return force(items[0])


@builtin("tail", 1)
def tail(items: Value) -> list[Value]:
    items = list_arg(items, "", what="the first argument passed to 'builtins.tail'")
    if not items:
        raise NixError("'builtins.tail' called on an empty list")
    return items[1:]  # type: ignore[no-any-return]


@builtin("elemAt", 2)
def elem_at(items: Value, index: Value) -> Value:
    if type(index) is int:  # the common case, without the argument checks' calls
        if type(items) is Thunk:
            items = items.force()
        if type(items) is list and 0 <= index < len(items):
            item = items[index]
            return item.force() if type(item) is Thunk else item
    n = int_arg(index, "", what="the second argument passed to 'builtins.elemAt'")
    items = list_arg(items, "", what="the first argument passed to 'builtins.elemAt'")
    if not 0 <= n < len(items):
        raise NixError(f"'builtins.elemAt' called with index {n} on a list of size {len(items)}")
    return force(items[n])


@builtin("map", 2, global_=True)
def map_(fn: Value, items: Value) -> list[Value]:
    items = list_arg(items, "map", 1)
    if not items:
        return items
    apply = applier(function_arg(fn, "map", 0))
    return [Thunk(partial(apply, item)) for item in items]


def _predicate(apply: Callable[[Value], Value], item: Value, what: str) -> bool:
    """``apply(item)`` (see :func:`applier`), which must be a Boolean (else an error saying
    ``what`` it was)."""
    result = apply(item)
    if result is True or result is False:
        return result
    return checked(result, ops.expect_bool, "", what=what)


@builtin("filter", 2)
def filter_(fn: Value, items: Value) -> list[Value]:
    items = list_arg(items, "filter", 1)
    if not items:
        return items
    apply = applier(function_arg(fn, "filter", 0))
    what = "the return value of the filtering function passed to builtins.filter"
    kept = [item for item in items if _predicate(apply, item, what)]
    return kept if len(kept) != len(items) else items


@builtin("foldl'", 3)
def foldl_strict(fn: Value, initial: Value, items: Value) -> Value:
    fn = function_arg(fn, "foldlStrict", 0)
    items = list_arg(items, "foldlStrict", 2)
    acc = initial
    for item in items:
        acc = call2(fn, acc, item)
    return force(acc)


@builtin("genList", 2)
def gen_list(fn: Value, count: Value) -> list[Value]:
    n = int_arg(count, "genList", 1)
    if n < 0:
        raise NixError(f"cannot create list of size {n}")
    apply = applier(function_arg(fn, "genList", 0))
    return [Thunk(partial(apply, i)) for i in range(n)]


@builtin("concatLists", 1)
def concat_lists(lists: Value) -> list[Value]:
    result: list[Value] = []
    for item in list_arg(lists, "concatLists"):
        result.extend(list_arg(item, "", what="a value of the list passed to builtins.concatLists"))
    return result


@builtin("concatMap", 2)
def concat_map(fn: Value, items: Value) -> list[Value]:
    fn = function_arg(fn, "concatMap", 0)
    items = list_arg(items, "concatMap", 1)
    result: list[Value] = []
    for item in items:
        part = force(call(fn, item))
        if type(part) is not list:
            error = ops.type_error("a list", part)
            error.add_trace(
                "while evaluating the return value of the function passed to builtins.concatMap",
                _position_of(fn),
            )
            raise error
        result.extend(part)
    return result


def _position_of(fn: Value) -> Any:
    """Where a function value was defined (C++ ``determinePos``), if it is a lambda."""
    info = LAMBDAS.get(getattr(fn, "__code__", None))  # type: ignore[arg-type]
    return info.span if info is not None else None


@builtin("elem", 2)
def elem(value: Value, items: Value) -> bool:
    items = list_arg(items, "elem", 1)
    if not items:
        return False
    target = force(value)
    equal = ops.equal
    if type(target) is int:
        # The common case, without a call per element (an int equals only numbers).
        for item in items:
            if type(item) is Thunk:
                item = item.value if item.fn is None else item.force()
            if type(item) is int:
                if item == target:
                    return True
            elif equal(target, item):
                return True
        return False
    for item in items:
        if type(item) is Thunk:
            item = item.force()
        if equal(target, item):
            return True
    return False


def _any_all(name: str, fn: Value, items: Value, wanted: bool) -> bool:
    apply = applier(function_arg(fn, name, 0))
    items = list_arg(items, name, 1)
    what = f"the return value of the function passed to builtins.{name}"
    return any(_predicate(apply, item, what) is wanted for item in items)


@builtin("all", 2)
def all_(fn: Value, items: Value) -> bool:
    return not _any_all("all", fn, items, False)


@builtin("any", 2)
def any_(fn: Value, items: Value) -> bool:
    return _any_all("any", fn, items, True)


@builtin("partition", 2)
def partition(fn: Value, items: Value) -> dict[str, Value]:
    apply = applier(function_arg(fn, "partition", 0))
    items = list_arg(items, "partition", 1)
    right: list[Value] = []
    wrong: list[Value] = []
    what = "the return value of the partition function passed to builtins.partition"
    for item in items:
        force(item)
        (right if _predicate(apply, item, what) else wrong).append(item)
    return {"right": right, "wrong": wrong}


@builtin("groupBy", 2)
def group_by(fn: Value, items: Value) -> dict[str, Value]:
    from tvix_eval.builtins.arguments import plain_string_arg

    fn = function_arg(fn, "groupBy", 0)
    items = list_arg(items, "groupBy", 1)
    groups: dict[str, list[Value]] = {}
    what = "the return value of the grouping function passed to builtins.groupBy"
    for item in items:
        key = str(plain_string_arg(call(fn, item), "", what=what))
        groups.setdefault(key, []).append(item)
    return groups  # type: ignore[return-value]


def less_than_with(fn: Value, what: str, return_what: str) -> Any:
    """The comparison ``builtins.sort`` uses: ``lessThan`` itself compares directly (adding
    ``what`` to its errors), any other function is called and must return a Boolean."""
    if type(fn) is PrimOp and fn.name == "lessThan":

        def compare(a: Value, b: Value) -> bool:
            try:
                return ops.raw_less_than(a, b)
            except NixError as e:
                e.add_trace(f"while evaluating {what}")
                raise

        return compare

    def call_compare(a: Value, b: Value) -> bool:
        return checked(call2(fn, a, b), ops.expect_bool, "", what=return_what)

    return call_compare


@builtin("sort", 2)
def sort(fn: Value, items: Value) -> list[Value]:
    items = list_arg(items, "sort", 1)
    if not items:
        return items
    fn = function_arg(fn, "sort", 0)
    values = [force(item) for item in items]
    less = less_than_with(
        fn,
        "the ordering function passed to builtins.sort",
        "the return value of the sorting function passed to builtins.sort",
    )
    return stable_sort(values, less)


@builtin("genericClosure", 1)
def generic_closure(spec: Value) -> list[Value]:
    from tvix_eval.builtins.arguments import set_arg
    from tvix_eval.builtins.attrs import required_attr
    from tvix_eval.builtins.sorting import KeySet

    spec = set_arg(spec, "genericClosure", 0)
    in_spec = "in the attrset passed as argument to builtins.genericClosure"
    start = list_arg(
        required_attr(spec, "startSet", in_spec),
        "",
        what="the 'startSet' attribute passed as argument to builtins.genericClosure",
    )
    if not start:
        return start
    operator = function_arg(
        required_attr(spec, "operator", in_spec),
        "",
        what="the 'operator' attribute passed as argument to builtins.genericClosure",
    )
    done = KeySet(_key_less)
    work = list(start)
    result: list[Value] = []
    position = 0
    while position < len(work):
        item = work[position]
        position += 1
        attrs = set_arg(
            item,
            "",
            what="one of the elements generated by (or initially passed to) "
            "builtins.genericClosure",
        )
        key = force(
            required_attr(
                attrs,
                "key",
                "in one of the attrsets generated by (or initially passed to) "
                "builtins.genericClosure",
            )
        )
        if not done.add(key):
            continue
        result.append(attrs)
        generated = force(call(operator, attrs))
        generated = checked(
            generated,
            ops.expect_list,
            "",
            what="the return value of the `operator` passed to builtins.genericClosure",
        )
        for new in generated:
            force(new)
        work.extend(generated)
        if position > 4096:
            del work[:position]
            position = 0
    return result


def _key_less(a: Value, b: Value) -> bool:
    try:
        return ops.raw_less_than(a, b)
    except NixError as e:
        e.add_trace("while comparing the `key` attributes of two genericClosure elements")
        raise
