"""String context builtins: ``hasContext``, ``getContext``, ``appendContext``,
``unsafeDiscardStringContext``, ``unsafeDiscardOutputDependency``,
``addDrvOutputDependencies``.

A context element is kept as C++ Nix encodes it: ``/nix/store/...`` (a plain path),
``=/nix/store/...drv`` (a derivation with all its outputs) and ``!out!/nix/store/...drv``
(one output of a derivation).
"""

from __future__ import annotations

from typing import Any

from tvix_eval.builtins.arguments import (
    checked,
    coerced_arg,
    plain_string_arg,
    set_arg,
    string_arg,
)
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.printer import quote_attr_name
from tvix_eval.runtime import ops
from tvix_eval.syntax.source import Span
from tvix_eval.value import attr_position, context_of, make_string

__all__ = ["context_store_path"]

Value = Any


def context_store_path(element: str) -> str:
    """The store path a context element refers to."""
    if element.startswith("="):
        return element[1:]
    if element.startswith("!"):
        return element.split("!", 2)[2]
    return element


@builtin("hasContext", 1)
def has_context(value: Value) -> bool:
    return bool(context_of(string_arg(value, "hasContext", None)))


@builtin("getContext", 1)
def get_context(value: Value) -> dict[str, Value]:
    infos: dict[str, dict[str, Value]] = {}
    for element in sorted(context_of(string_arg(value, "getContext", None))):
        info = infos.setdefault(context_store_path(element), {})
        if element.startswith("="):
            info["allOutputs"] = True
        elif element.startswith("!"):
            info.setdefault("outputs", []).append(element.split("!", 2)[1])
        else:
            info["path"] = True
    for info in infos.values():
        if "outputs" in info:
            info["outputs"].sort()
    return infos  # type: ignore[return-value]


def _is_store_path(name: str) -> bool:
    from nix_compat.errors import StorePathError
    from nix_compat.store_path import StorePath

    try:
        StorePath.from_absolute_path(name)
    except StorePathError:
        return False
    return True


@builtin("appendContext", 2)
def append_context(value: Value, extra: Value) -> str:
    text = string_arg(value, "appendContext", 0)
    context = set(context_of(text))
    attrs = set_arg(extra, "appendContext", 1)
    for name, spec in attrs.items():
        _add_context(name, spec, attr_position(attrs, name), context)
    return make_string(str(text), frozenset(context))


def _positioned(message: str, span: Any) -> NixError:
    error = NixError(message)
    if span is not None:
        error.span, error.located = span, True
    return error


def _add_context(name: str, spec: Value, span: Span | None, context: set[str]) -> None:
    if not _is_store_path(name):
        raise _positioned(f"context key {_quoted(name)} is not a store path", span)
    info = checked(spec, ops.expect_set, "", what="the value of a string context", span=span)
    is_drv = name.endswith(".drv")
    if "path" in info and _flag(info, "path"):
        context.add(name)
    if "allOutputs" in info and _flag(info, "allOutputs"):
        if not is_drv:
            raise _positioned(
                f"tried to add all-outputs context of {quote_attr_name(name)}, which is not a "
                "derivation, to a string",
                span,
            )
        context.add("=" + name)
    if "outputs" in info:
        outputs_span = attr_position(info, "outputs")
        outputs = checked(
            info["outputs"],
            ops.expect_list,
            "",
            what="the `outputs` attribute of a string context",
            span=outputs_span,
        )
        if outputs and not is_drv:
            raise _positioned(
                f"tried to add derivation output context of {quote_attr_name(name)}, which is "
                "not a derivation, to a string",
                span,
            )
        for output in outputs:
            output_name = plain_string_arg(
                output, "", what="an output name within a string context", span=outputs_span
            )
            context.add(f"!{output_name}!{name}")


def _quoted(name: str) -> str:
    return f"'{quote_attr_name(name)}'"


def _flag(info: dict[str, Value], attr: str) -> bool:
    return checked(
        info[attr],
        ops.expect_bool,
        "",
        what=f"the `{attr}` attribute of a string context",
        span=attr_position(info, attr),
        catch_all=True,
        error_at_span=True,
    )


@builtin("unsafeDiscardStringContext", 1)
def unsafe_discard_string_context(value: Value) -> str:
    return str(coerced_arg(value, "unsafeDiscardStringContext", None, copy_to_store=True))


@builtin("unsafeDiscardOutputDependency", 1)
def unsafe_discard_output_dependency(value: Value) -> str:
    context: set[str] = set()
    text = coerced_arg(value, "unsafeDiscardOutputDependency", None, context, copy_to_store=True)
    kept = {e[1:] if e.startswith("=") else e for e in context}
    return make_string(text, frozenset(kept))


@builtin("addDrvOutputDependencies", 1)
def add_drv_output_dependencies(value: Value) -> str:
    context: set[str] = set()
    text = coerced_arg(value, "addDrvOutputDependencies", None, context, copy_to_store=True)
    if len(context) != 1:
        raise NixError(
            f"context of string '{text}' must have exactly one element, but has {len(context)}"
        )
    (element,) = context
    if element.startswith("!"):
        output = element.split("!", 2)[1]
        raise NixError(
            "`addDrvOutputDependencies` can only act on derivations, not on a derivation "
            f"output such as '{output}'"
        )
    if not element.startswith("="):
        if not element.endswith(".drv"):
            raise NixError(f"path '{element}' is not a derivation")
        element = "=" + element
    return make_string(text, frozenset({element}))
