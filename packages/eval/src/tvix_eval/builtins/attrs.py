"""Attribute set builtins."""

from __future__ import annotations

from functools import partial
from typing import Any

from tvix_eval.builtins.arguments import (
    expect_plain_string,
    function_arg,
    list_arg,
    plain_string_arg,
    set_arg,
)
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError, TypeMismatch
from tvix_eval.runtime.calls import call2
from tvix_eval.runtime.trace import APPLICATIONS, definition_span
from tvix_eval.syntax.source import Span
from tvix_eval.value import (
    LAMBDAS,
    Attrs,
    PrimOp,
    PrimOpApp,
    Thunk,
    attr_position,
    force,
    position_value,
    sorted_names,
    subset_of,
    with_positions,
)

Value = Any


def required_attr(attrs: dict[str, Value], name: str, context: str) -> Value:
    """``attrs.name`` (lazy) or C++ ``getAttr``'s error: ``attribute 'x' missing`` with
    ``context`` as its trace line and no suggestions."""
    try:
        return attrs[name]
    except KeyError:
        error = TypeMismatch(f"attribute '{name}' missing")
        error.add_trace(context)
        raise error from None


def attr_span(value: Value) -> Any:
    """Where an attribute's value was written, when that is still known (a thunk not yet
    forced remembers the binding it was compiled from)."""
    return code_span(thunk_code(value))


def thunk_code(value: Value) -> Any:
    """What a thunk not yet forced computes (None otherwise): kept before forcing, it still
    tells where the value was written once forcing has replaced it (cheap to take, unlike
    the span itself)."""
    return value.fn if type(value) is Thunk else None


def code_span(code: Any) -> Any:
    return definition_span(code) if code is not None else None


@builtin("attrNames", 1)
def attr_names(attrs: Value) -> list[str]:
    return sorted_names(set_arg(attrs, "attrNames", None))


@builtin("attrValues", 1)
def attr_values(attrs: Value) -> list[Value]:
    attrs = set_arg(attrs, "attrValues", None)
    return [attrs[name] for name in sorted_names(attrs)]


@builtin("getAttr", 2)
def get_attr(name: Value, attrs: Value) -> Value:
    key = str(plain_string_arg(name, "getAttr", 0))
    attrs = set_arg(attrs, "getAttr", 1)
    return force(required_attr(attrs, key, "in the attribute set under consideration"))


@builtin("hasAttr", 2)
def has_attr(name: Value, attrs: Value) -> bool:
    key = str(plain_string_arg(name, "hasAttr", 0))
    return key in set_arg(attrs, "hasAttr", 1)


@builtin("removeAttrs", 2, global_=True)
def remove_attrs(attrs: Value, names: Value) -> dict[str, Value]:
    attrs = set_arg(attrs, "removeAttrs", 0)
    what = "the values of the second argument passed to builtins.removeAttrs"
    drop = {str(plain_string_arg(n, "", what=what)) for n in list_arg(names, "removeAttrs", 1)}
    if not drop & attrs.keys():
        return attrs
    return subset_of(attrs, {k: v for k, v in attrs.items() if k not in drop})


@builtin("listToAttrs", 1)
def list_to_attrs(items: Value) -> dict[str, Value]:
    result: dict[str, Value] = {}
    positions: dict[str, Span | None] = {}
    pair = "in a {name=...; value=...;} pair"
    what = "an element of the list passed to builtins.listToAttrs"
    for item in list_arg(items, "listToAttrs", None):
        entry = item if type(item) is Attrs else set_arg(item, "", what=what)
        name = required_attr(entry, "name", pair)
        key = str(_name_of(name, attr_position(entry, "name")))
        if key not in result:
            result[key] = required_attr(entry, "value", pair)
            # The new attribute is defined where the pair's value is, as in C++ Nix.
            positions[key] = attr_position(entry, "value")
    return with_positions(result, positions) if any(positions.values()) else result


def _name_of(name: Value, span: Span | None) -> str:
    """The ``name`` of a pair: C++ Nix reports a bad one at the attribute's position."""
    if type(name) is str:
        return name
    what = (
        "while evaluating the `name` attribute of an element of the list passed to "
        "builtins.listToAttrs"
    )
    try:
        value = force(name)
    except NixError as e:
        e.add_trace(what, span)
        raise
    try:
        return expect_plain_string(value)
    except NixError as e:
        if span is not None:
            e.span, e.located = span, True
        e.add_trace(what, span)
        raise


@builtin("mapAttrs", 2)
def map_attrs(fn: Value, attrs: Value) -> dict[str, Value]:
    attrs = set_arg(attrs, "mapAttrs", 1)
    return {name: Thunk(partial(_apply2, fn, name, value)) for name, value in attrs.items()}


def _apply2(fn: Value, first: Value, second: Value) -> Value:
    """``fn first second``, forced by whatever forces it: what C++ Nix's ``mapAttrs`` and
    ``zipAttrsWith`` build. Whether ``fn`` was evaluated before (``ready``) decides the
    position C++ Nix determines for it, for the call site of an error's trace (see
    :data:`tvix_eval.runtime.trace.APPLICATIONS`)."""
    ready = type(fn) is not Thunk or fn.fn is None  # noqa: F841 (read from the traceback)
    return call2(force(fn), first, second)


APPLICATIONS.add(_apply2.__code__)


@builtin("zipAttrsWith", 2)
def zip_attrs_with(fn: Value, sets: Value) -> dict[str, Value]:
    fn = function_arg(fn, "zipAttrsWith", 0)
    what = "a value of the list passed as second argument to builtins.zipAttrsWith"
    grouped: dict[str, list[Value]] = {}
    for item in list_arg(sets, "zipAttrsWith", 1):
        for name, value in set_arg(item, "", what=what).items():
            grouped.setdefault(name, []).append(value)
    return {name: Thunk(partial(_apply2, fn, name, values)) for name, values in grouped.items()}


@builtin("intersectAttrs", 2)
def intersect_attrs(a: Value, b: Value) -> dict[str, Value]:
    a = set_arg(a, "intersectAttrs", 0)
    b = set_arg(b, "intersectAttrs", 1)
    if len(a) < len(b):
        return subset_of(b, {k: b[k] for k in a if k in b})
    return subset_of(b, {k: v for k, v in b.items() if k in a})


@builtin("catAttrs", 2)
def cat_attrs(name: Value, items: Value) -> list[Value]:
    key = str(plain_string_arg(name, "catAttrs", 0))
    what = "an element in the list passed as second argument to builtins.catAttrs"
    result = []
    for item in list_arg(items, "catAttrs", 1):
        attrs = set_arg(item, "", what=what)
        if key in attrs:
            result.append(attrs[key])
    return result


@builtin("functionArgs", 1)
def function_args(fn: Value) -> dict[str, bool]:
    fn = force(fn)
    if type(fn) is PrimOp or type(fn) is PrimOpApp:
        return {}
    info = LAMBDAS.get(getattr(fn, "__code__", None))  # type: ignore[arg-type]
    if info is None:
        raise TypeMismatch("'functionArgs' requires a function")
    if info.formals is None:
        return {}
    return with_positions(
        {f.name: f.has_default for f in info.formals}, {f.name: f.span for f in info.formals}
    )


@builtin("unsafeGetAttrPos", 2)
def unsafe_get_attr_pos(name: Value, attrs: Value) -> dict[str, Value] | None:
    key = str(plain_string_arg(name, "unsafeGetAttrPos", 0))
    attrs = set_arg(attrs, "unsafeGetAttrPos", 1)
    return position_value(attr_position(attrs, key))
