"""Builtins that reach files and the environment, all through the evaluation's
:class:`~tvix_eval.io.EvalIO` (:func:`~tvix_eval.runtime.active_io.active_io`), so that glue
can swap in a store-backed one.

The EvalIO interface reports failures in its own words; where C++ Nix words them differently
the builtins here find out what went wrong (only once something did) and say it C++ Nix's way.
"""

from __future__ import annotations

import posixpath
from typing import Any

from tvix_eval.builtins.arguments import plain_string_arg
from tvix_eval.builtins.hashing import parse_algorithm
from tvix_eval.builtins.registry import builtin
from tvix_eval.errors import NixError
from tvix_eval.io import EvalIO
from tvix_eval.runtime import ops
from tvix_eval.runtime.active_io import active_io
from tvix_eval.value import ContextStr, NixPath, force

__all__ = ["absolute_path", "coerce_to_path", "realise_path"]

Value = Any


REALISING = "while realising the context of a path"


def realise_path(value: Value, what: str = REALISING, *, check_access: bool = True) -> str:
    """C++ Nix's ``realisePath``: a path, or a string that is an absolute path, canonical.

    The store paths of the string's context become readable in pure evaluation, and a path
    pure evaluation may not read is refused here (unless ``check_access`` is false: a path
    that may not be read simply does not exist for ``pathExists``)."""
    context: set[str] = set()
    path = coerce_to_path(value, what, context)
    io = active_io()
    try:
        for element in sorted(context):
            if element.startswith("!"):  # an output: made to exist (import from derivation)
                output, _, drv_path = element[1:].partition("!")
                io.realise(drv_path, output)
            else:
                io.allow(element.removeprefix("="))
        if check_access:
            io.check_access(path)
    except NixError as e:
        e.add_trace(f"while realising the context of path '{path}'")
        raise
    return path


def coerce_to_path(value: Value, what: str, context: set[str] | None = None) -> str:
    """C++ Nix's ``coerceToPath``: ``what`` is added to any error while forcing the value
    and to a value that is not a path, nor coerces to an absolute one; the string's context
    goes to ``context``."""
    try:
        value = force(value)
    except NixError as e:
        e.add_trace(what)
        raise
    if type(value) is NixPath:
        return value.path
    if isinstance(value, dict) and "__toString" in value:
        from tvix_eval.runtime.calls import call

        return coerce_to_path(call(force(value["__toString"]), value), what, context)
    text = ops.coerce_to_string(value, what, copy_to_store=False, context=context)
    return absolute_path(text, what)


def absolute_path(text: str, what: str) -> str:
    if not text.startswith("/"):
        error = NixError(f"string '{text}' doesn't represent an absolute path")
        error.add_trace(what)
        raise error
    return ops.canon_path(text)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _is_directory(io: EvalIO, path: str) -> bool:
    """Whether ``path`` is a directory, symlinks followed: C++ Nix stats it, so one that may
    not be listed counts too (and a big one is not read to find out)."""
    try:
        return io.file_type(path) == "directory"
    except NixError:  # refused in pure evaluation: C++ Nix's RestrictedPathError
        return False


@builtin("readFile", 1)
def read_file(path: Value) -> str:
    io = active_io()
    target = io.real_path(realise_path(path))
    try:
        data = io.read_file(target)
    except NixError:
        if not io.path_exists(target):
            raise NixError(f"opening file '{target}': No such file or directory") from None
        if _is_directory(io, target):
            raise NixError(f"reading from file '{target}': Is a directory") from None
        raise
    if b"\0" in data:
        raise NixError(f"the contents of the file '{target}' cannot be represented as a Nix string")
    return _decode(data)


@builtin("readDir", 1)
def read_dir(path: Value) -> dict[str, str]:
    io = active_io()
    target = io.real_path(realise_path(path))
    try:
        return io.read_dir(target)
    except NixError:
        if not io.path_exists(target):
            raise NixError(f"reading directory {target}: No such file or directory") from None
        raise NixError(f"reading directory {target}: Not a directory") from None


def file_type(io: EvalIO, path: str) -> str | None:
    """The type of ``path`` itself (a symlink is a symlink), None if it does not exist."""
    if path == "/":
        return "directory"
    parent, name = posixpath.split(path)
    try:
        return io.read_dir(parent).get(name)
    except NixError:
        return None


@builtin("readFileType", 1)
def read_file_type(path: Value) -> str:
    target = realise_path(path)
    kind = file_type(active_io(), target)
    if kind is None:
        raise NixError(f"path '{target}' does not exist")
    return kind


@builtin("pathExists", 1)
def path_exists(path: Value) -> bool:
    value = force(path)
    # A string ending in "/" or "/." names a directory (a path value cannot end so).
    must_be_dir = (type(value) is str or type(value) is ContextStr) and (
        value.endswith("/") or value.endswith("/.")
    )
    target = realise_path(value, check_access=False)
    io = active_io()
    if must_be_dir:
        return _is_directory(io, target)
    return io.path_exists(target)


@builtin("getEnv", 1)
def get_env(name: Value) -> str:
    return active_io().get_env(str(plain_string_arg(name, "getEnv")))


@builtin("hashFile", 2)
def hash_file(algo: Value, path: Value) -> str:
    from nix_compat.hash import NixHash

    name = parse_algorithm(plain_string_arg(algo, "hashFile", 0))
    target = realise_path(path)
    io = active_io()
    try:
        data = io.read_file(target)
    except NixError:
        if not io.path_exists(target):
            raise NixError(f"opening file '{target}': No such file or directory") from None
        raise
    return NixHash.of_bytes(name, data).to_base16()


@builtin("currentTime", 0)
def current_time() -> int:
    """Seconds since the epoch, read once per evaluator (as C++ Nix reads it once)."""
    import time

    return int(time.time())
