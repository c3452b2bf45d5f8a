"""The global names compiled Nix code uses (see :mod:`tvix_eval.compiler`).

Short upper-case names, because they are what the generated code is made of; each is one
small function over forced values, or a direct alias of one from :mod:`ops`/:mod:`calls`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from tvix_eval.errors import AssertionFailed, NixError, ParseError
from tvix_eval.runtime import ops
from tvix_eval.runtime.calls import (
    call,
    call2,
    call3,
    check_formals,
    enter,
    force_deeper,
    leave,
    too_deep,
    too_deep_here,
)
from tvix_eval.syntax.source import Span
from tvix_eval.value import (
    Attrs,
    NixPath,
    Thunk,
    attr_position,
    force,
    positions_of,
    with_positions,
)

Value = Any


def _cond(value: Value) -> bool:
    if type(value) is bool:
        return value
    error = ops.type_error("a Boolean", value)
    error.add_trace("while evaluating a branch condition", frame=sys._getframe(1))
    raise error


def _bool_op(value: Value, operator: str, side: str) -> bool:
    if type(value) is bool:
        return value
    error = ops.type_error("a Boolean", value)
    error.add_trace(f"in the {side} operand of the {operator} operator", frame=sys._getframe(1))
    raise error


def _not(value: Value) -> bool:
    if type(value) is bool:
        return value
    error = ops.type_error("a Boolean", value)
    error.add_trace("in the argument of the not operator")
    error.positioned = False
    raise error


def _not_less_than(a: Value, b: Value) -> bool:
    """``b <= a`` and ``a >= b``, which C++ Nix evaluates as ``!(a < b)``."""
    try:
        return not ops.less_than(a, b)
    except NixError as e:
        e.add_trace("in the argument of the not operator", frame=sys._getframe(1))
        raise


def _selected_name(value: Value) -> str | None:
    """A name in an attribute path (``a.${e}``, ``a ? ${e}``)."""
    try:
        return ops.attr_name(value)
    except NixError as e:
        e.add_trace("while evaluating an attribute name")
        e.positioned = False
        raise


def _assert(value: Value, text: str) -> bool:
    if type(value) is not bool:
        error = ops.type_error("a Boolean", value)
        error.add_trace("in the condition of the assert statement", frame=sys._getframe(1))
        raise error
    if not value:
        raise AssertionFailed(f"assertion '{text}' failed")
    return True


def _unequal_assertion(left: Value, right: Value, text: str, span: Any) -> NoReturn:
    """A failed ``assert left == right``: C++ Nix says what differs."""
    from tvix_eval.runtime.inequality import explain_inequality

    error = explain_inequality(left, right)
    error.add_trace(f"while evaluating the condition of the assertion '{text}'", span)
    raise error


def _legacy_let_body(attrs: dict[str, Value]) -> Value:
    """``let { ...; body = e; }``: a selection of ``body`` that C++ Nix makes at no position
    (the error of a missing body has none; the attribute's frame is there as usual)."""
    if "body" not in attrs:
        error = ops.missing_attribute("body", attrs)
        error.positioned = False
        raise error
    return ops.select(attrs, "body")


def _select_path(
    target: Value, names: list[str | None]
) -> tuple[bool, Value, Span | None]:
    """``target.a.b`` for ``target.a.b or default``: (False, None, position) if a set on the
    way lacks its attribute or is no set, ``position`` being that of the last attribute
    found (None if none was)."""
    value = target
    position = None
    found = 0
    try:
        for name in names:
            if not isinstance(value, dict) or name not in value:
                return False, None, position
            position = attr_position(value, str(name))
            found += 1
            value = force(value[name])
    except NixError as e:
        if found == len(names) and position is not None:
            e.forced_here(position, sys._getframe())  # the value found, at its attribute
        _path_trace(e, names, position)
        raise
    return True, value, position


def _path_trace(error: NixError, names: list[str | None], position: Span | None) -> None:
    if position is not None:
        path = ".".join(str(name) for name in names)
        error.add_trace(f"while evaluating the attribute '{path}'", position)


def _select_or(target: Value, names: list[str | None], default: Value) -> Value:
    found, value, position = _select_path(target, names)
    return value if found else _or_default(lambda: default, names, position)


def _select_or_lazy(target: Value, names: list[str | None], default: Callable[[], Value]) -> Value:
    found, value, position = _select_path(target, names)
    return value if found else _or_default(default, names, position)


def _or_default(
    default: Callable[[], Value], names: list[str | None], position: Span | None
) -> Value:
    """The default of a selection, evaluated as C++ Nix evaluates it, still inside the
    selection: once an attribute of the path was found, an error gets the selection's line."""
    try:
        return force(default())
    except NixError as e:
        _path_trace(e, names, position)
        raise


def _has_attr(target: Value, names: list[str | None]) -> bool:
    """``e ? a.b``: the sets on the way are forced, the value found is not."""
    value = target
    last = len(names) - 1
    for i, name in enumerate(names):
        if not isinstance(value, dict) or name not in value:
            return False
        if i < last:
            value = force(value[name])
    return True


def _dynamic_attrs(
    static: dict[str, Value], dynamic: list[tuple[Any, Value, Any]]
) -> dict[str, Value]:
    positions = positions_of(static)
    result = with_positions(static, {} if positions is None else dict(positions))
    for name_fn, value, span in dynamic:
        try:
            name = ops.attr_name(name_fn())
        except NixError as e:
            if not e.located and not e.frames:
                # The name itself is of the wrong type: C++ Nix reports it at the name.
                e.span = span
                e.located = True
            e.add_trace("while evaluating the name of a dynamic attribute", span)
            raise
        if name is None:
            continue
        if name in result:
            first = result.positions.get(name)
            raise NixError(f"dynamic attribute '{name}' already defined at {first}", span)
        result[name] = value
        result.positions[name] = span
    return result


def _with_env(env: Value, span: Any) -> Value:
    """The environment of ``with e;``: the set itself when it is one already (the common
    ``with lib;``), else a thunk that forces it (and checks it is a set) on first lookup."""
    if type(env) is Thunk and env.fn is None:
        env = env.value
    if type(env) is dict or type(env) is Attrs:
        return env

    def forced() -> Value:
        value = force(env)
        if not isinstance(value, dict):
            error = ops.type_error("a set", value)
            error.add_trace("while evaluating the first subexpression of a with expression", span)
            error.positioned = False
            raise error
        return value

    return Thunk(forced)


def _with_lookup(name: str, envs: tuple[Value, ...]) -> Value:
    """``name`` in the innermost of the ``with`` environments (:func:`_with_env`) that has it."""
    for env in envs:
        attrs = env if type(env) is not Thunk else env.value if env.fn is None else env.force()
        if name in attrs:
            return attrs[name]
    raise NixError(f"undefined variable '{name}'")


def _with_lookup_forced(name: str, envs: tuple[Value, ...]) -> Value:
    """:func:`_with_lookup`, forced."""
    for env in envs:
        attrs = env if type(env) is not Thunk else env.value if env.fn is None else env.force()
        if name in attrs:
            value = attrs[name]
            return value.force() if type(value) is Thunk else value
    raise NixError(f"undefined variable '{name}'")


def _overrides(value: Value) -> dict[str, Value]:
    if isinstance(value, dict):
        return value
    error = ops.type_error("a set", value)
    error.add_trace("while evaluating the `__overrides` attribute")
    error.positioned = False
    raise error


def _path_interp(kind: str, parts: list[Value], spans: tuple[Any, ...]) -> NixPath:
    texts = []
    for part, span in zip(parts, spans, strict=True):
        if type(part) is str:
            texts.append(part)
        else:
            what = "while evaluating a path segment"
            texts.append(ops.coerce_to_string(part, what, copy_to_store=False, span=span))
    text = "".join(texts)
    if kind == "home":
        text = os.path.expanduser("~") + text[1:]
    return NixPath(ops.canon_path(text))


def _home_path(rest: str) -> NixPath:
    home = os.environ.get("HOME")
    if home is None:
        raise ParseError("the contents of the HOME environment variable are needed for '~/' paths")
    return NixPath(ops.canon_path(home + rest))


def runtime_namespace() -> dict[str, Any]:
    """The helpers every compiled file's globals start from."""
    return {
        "F": force,
        "T": Thunk,
        "READY": Thunk.ready,
        "CALL": call,
        "CALL2": call2,
        "CALL3": call3,
        "TOO_DEEP": too_deep,
        "TOO_DEEP_HERE": too_deep_here,
        "ENTER": enter,
        "FORCE_DEEPER": force_deeper,
        "LEAVE": leave,
        "FORMALS": check_formals,
        "SELECT": ops.select,
        "SELECT_PATH": ops.select_path,
        "LEGACY_LET_BODY": _legacy_let_body,
        "SELECT_OR": _select_or,
        "SELECT_OR_LAZY": _select_or_lazy,
        "HAS_ATTR": _has_attr,
        "ATTR_NAME": _selected_name,
        "ATTRS": with_positions,
        "DYNAMIC_ATTRS": _dynamic_attrs,
        "WITH": _with_lookup,
        "WITH_F": _with_lookup_forced,
        "WITH_ENV": _with_env,
        "COND": _cond,
        "ASSERT": _assert,
        "ASSERT_UNEQUAL": _unequal_assertion,
        "BOOL_OP": _bool_op,
        "NOT": _not,
        "ADD": ops.add,
        "SUB": ops.sub,
        "MUL": ops.mul,
        "DIV": ops.div,
        "CONCAT": ops.concat_lists,
        "UPDATE": ops.update,
        "EQ": ops.equal,
        "NEQ": lambda a, b: not ops.equal(a, b),
        "LT": ops.less_than,
        "NOT_LT": _not_less_than,
        "INTERP": ops.interpolate,
        "PATH_INTERP": _path_interp,
        "HOME_PATH": _home_path,
        "OVERRIDES": _overrides,
    }
