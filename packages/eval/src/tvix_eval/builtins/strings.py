"""String builtins. Lengths, offsets and comparisons count bytes, as in C++ Nix."""

from __future__ import annotations

from typing import Any

from tvix_eval.builtins.arguments import coerced_arg, int_arg, list_arg, string_arg
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import ContextStr, context_of, force, make_string

Value = Any


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


@builtin("toString", 1, global_=True)
def to_string(value: Value) -> str:
    context: set[str] = set()
    text = coerced_arg(value, "toString", 0, context, coerce_more=True)
    return make_string(text, frozenset(context))


@builtin("stringLength", 1)
def string_length(value: Value) -> int:
    text = coerced_arg(value, "stringLength", None, copy_to_store=True)
    return ops.string_length_bytes(text)


@builtin("substring", 3)
def substring(start: Value, length: Value, text: Value) -> str:
    begin = int_arg(
        start, "", what="the first argument (the start offset) passed to builtins.substring"
    )
    if begin < 0:
        raise NixError("negative start position in 'substring'")
    count = int_arg(
        length, "", what="the second argument (the substring length) passed to builtins.substring"
    )
    if count == 0:
        # C++ Nix does not coerce for an empty substring of a string: it keeps the context.
        value = force(text)
        if type(value) is str or type(value) is ContextStr:
            return make_string("", context_of(value))
    context: set[str] = set()
    s = coerced_arg(
        text,
        "",
        context=context,
        copy_to_store=True,
        what="the third argument (the string) passed to builtins.substring",
    )
    if count < 0:
        count = ops.INT_MAX
    if s.isascii():
        piece = s[begin : begin + count]
    else:
        piece = decode(encode(s)[begin : begin + count])
    return make_string(piece, frozenset(context))


@builtin("concatStringsSep", 2)
def concat_strings_sep(separator: Value, items: Value) -> str:
    sep = string_arg(
        separator,
        "",
        what="the first argument (the separator string) passed to builtins.concatStringsSep",
    )
    context = set(context_of(sep))
    elements = list_arg(
        items,
        "",
        what="the second argument (the list of strings to concat) passed to "
        "builtins.concatStringsSep",
    )
    what = "one element of the list of strings to concat passed to builtins.concatStringsSep"
    parts = [
        coerced_arg(item, "", context=context, copy_to_store=True, what=what) for item in elements
    ]
    return make_string(str(sep).join(parts), frozenset(context))


@builtin("replaceStrings", 3)
def replace_strings(old: Value, new: Value, text: Value) -> str:
    froms = list_arg(old, "replaceStrings", 0)
    tos = list_arg(new, "replaceStrings", 1)
    if len(froms) != len(tos):
        raise NixError(
            "'from' and 'to' arguments passed to builtins.replaceStrings have different lengths"
        )
    patterns = [
        encode(
            string_arg(
                item,
                "",
                what="one of the strings to replace passed to builtins.replaceStrings",
            )
        )
        for item in froms
    ]
    subject = string_arg(text, "replaceStrings", 2)
    context = set(context_of(subject))
    data = encode(str(subject))
    replacements: dict[int, bytes] = {}

    def replacement(index: int) -> bytes:
        if index not in replacements:
            to = string_arg(
                tos[index],
                "",
                what="one of the replacement strings passed to builtins.replaceStrings",
            )
            context.update(context_of(to))
            replacements[index] = encode(str(to))
        return replacements[index]

    out = bytearray()
    p = 0
    # One step past the end, so that an empty pattern also matches there.
    while p <= len(data):
        for index, pattern in enumerate(patterns):
            if data.startswith(pattern, p):
                out += replacement(index)
                if pattern:
                    p += len(pattern)
                else:
                    out += data[p : p + 1]
                    p += 1
                break
        else:
            out += data[p : p + 1]
            p += 1
    return make_string(decode(bytes(out)), frozenset(context))
