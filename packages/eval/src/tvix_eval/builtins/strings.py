"""String builtins. Lengths and offsets count bytes, as in C++ Nix."""

from __future__ import annotations

from typing import Any

from tvix_eval.builtins.arguments import coerced_arg, int_arg, list_arg, string_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import context_of, force, make_string

Value = Any


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


@builtin("toString", 1, global_=True)
def to_string(value: Value) -> str:
    context: set[str] = set()
    text = ops.coerce_to_string(
        force(value), coerce_more=True, copy_to_store=False, context=context
    )
    return make_string(text, frozenset(context))


@builtin("stringLength", 1)
def string_length(value: Value) -> int:
    return ops.string_length_bytes(coerced_arg(value, "stringLength"))


@builtin("substring", 3)
def substring(start: Value, length: Value, text: Value) -> str:
    begin = int_arg(start, "substring", 0)
    count = int_arg(length, "substring", 1)
    context: set[str] = set()
    s = coerced_arg(text, "substring", 2, context=context)
    if begin < 0:
        raise NixError("negative start position in 'substring'")
    if count < 0:
        count = ops.INT_MAX
    if s.isascii():
        piece = s[begin : begin + count]
    else:
        piece = _decode(_encode(s)[begin : begin + count])
    return make_string(piece, frozenset(context))


@builtin("concatStringsSep", 2)
def concat_strings_sep(separator: Value, items: Value) -> str:
    context: set[str] = set()
    sep = string_arg(
        separator,
        "concatStringsSep",
        0,
        what="the first argument (the separator string) passed to builtins.concatStringsSep",
    )
    context.update(context_of(sep))
    parts = []
    for item in list_arg(
        items,
        "concatStringsSep",
        1,
        what="the second argument (the list of strings to concat) passed to "
        "builtins.concatStringsSep",
    ):
        try:
            parts.append(ops.coerce_to_string(force(item), copy_to_store=True, context=context))
        except NixError as e:
            e.add_trace(
                "while evaluating one element of the list of strings to concat passed to "
                "builtins.concatStringsSep"
            )
            raise
    return make_string(str(sep).join(parts), frozenset(context))
