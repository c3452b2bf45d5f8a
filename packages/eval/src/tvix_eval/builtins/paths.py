"""Builtins about path names: ``baseNameOf``, ``dirOf``, ``toPath``.

They work on the text of a path, as C++ Nix does, and touch no file.
"""

from __future__ import annotations

from typing import Any

from tvix_eval.builtins.arguments import plain_string_arg
from tvix_eval.builtins.io import coerce_to_path
from tvix_eval.builtins.registry import builtin
from tvix_eval.runtime import ops
from tvix_eval.value import NixPath, force, make_string

Value = Any

def base_name(path: str) -> str:
    """C++ Nix's ``baseNameOf``: one trailing slash is ignored (``a//`` has an empty name)."""
    if not path:
        return ""
    last = len(path) - 1
    if path[last] == "/" and last > 0:
        last -= 1
    start = path.rfind("/", 0, last + 1) + 1
    return path[start : last + 1]


def dir_name(path: str) -> str:
    """C++ Nix's ``dirOf`` on a string: the parent, without trailing slashes."""
    slash = path.rfind("/")
    if slash < 0:
        return "."
    if not path.strip("/"):
        return path
    return path[:slash].rstrip("/") or "/"


@builtin("baseNameOf", 1, global_=True)
def base_name_of(value: Value) -> str:
    context: set[str] = set()
    text = ops.coerce_to_string(
        force(value),
        "while evaluating the first argument passed to builtins.baseNameOf",
        copy_to_store=False,
        context=context,
    )
    return make_string(base_name(text), frozenset(context))


@builtin("dirOf", 1, global_=True)
def dir_of(value: Value) -> Value:
    value = force(value)
    if type(value) is NixPath:
        return NixPath(dir_name(value.path)) if value.path != "/" else value
    context: set[str] = set()
    text = ops.coerce_to_string(
        value,
        "while evaluating the first argument passed to 'builtins.dirOf'",
        copy_to_store=False,
        context=context,
    )
    return make_string(dir_name(text), frozenset(context))


@builtin("toPath", 1)
def to_path(value: Value) -> str:
    what = "while evaluating the first argument passed to builtins.toPath"
    context: set[str] = set()
    path = coerce_to_path(value, what, context)
    return make_string(path, frozenset(context))


@builtin("placeholder", 1, global_=True)
def placeholder(output: Value) -> str:
    """The placeholder C++ Nix puts in a derivation for the path of one of its outputs."""
    from nix_compat import nixbase32
    from nix_compat.hash import NixHash

    name = plain_string_arg(output, "placeholder", 0)
    digest = NixHash.of_bytes("sha256", f"nix-output:{name}".encode("utf-8", "surrogateescape"))
    return "/" + nixbase32.encode(digest.digest)
