"""Builtins that put paths into the store or name store paths: ``toFile``, ``path``,
``filterSource``, ``storePath``, as C++ Nix 2.26 has them."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.arguments import (
    bool_arg,
    function_arg,
    plain_string_arg,
    set_arg,
    string_arg,
)
from tvix_eval.builtins.io import coerce_to_path
from tvix_eval.builtins.registry import BuiltinSet
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.runtime.calls import call
from tvix_eval.value import attr_position, context_of, force, make_string

if TYPE_CHECKING:
    from nix_compat.store_path import StorePath
    from tvix_eval.syntax.source import Span

    from tvix_glue.store_io import TvixStoreIO

# nix-compat is imported where it is used: these builtins are in every evaluator, and most
# evaluations call none of them.

__all__ = ["STORE_PATH_BUILTINS"]

Value = Any

STORE_PATH_BUILTINS = BuiltinSet()

_PATH_ATTRS = ("filter", "name", "path", "recursive", "sha256")


def _store_string(path: str) -> str:
    """A store path as the language gives it: a string that depends on the path."""
    return make_string(path, frozenset({path}))


@STORE_PATH_BUILTINS.builtin("toFile", 2, stateful=True)
def to_file(io: TvixStoreIO, name_value: Value, contents_value: Value) -> str:
    from nix_compat.store_path import StorePath

    name = str(plain_string_arg(name_value, "toFile", 0))
    contents = string_arg(contents_value, "toFile", 1)
    references = []
    for element in sorted(context_of(contents)):
        if element.startswith(("=", "!")):
            shown = element.replace(io.store_dir.rstrip("/") + "/", "", 1)
            raise NixError(
                f"files created by builtins.toFile may not reference derivations, but {name} "
                f"references {shown}"
            )
        references.append(StorePath.from_absolute_path(element, io.store_dir))
    text = str(contents).encode("utf-8", "surrogateescape")
    stored = io.add_text(name, text, references)
    return _store_string(stored)


@STORE_PATH_BUILTINS.builtin("path", 1, stateful=True)
def path(io: TvixStoreIO, args_value: Value) -> str:
    args = set_arg(args_value, "path", 0)
    for key in args:
        if key not in _PATH_ATTRS:
            error = NixError(f"unsupported argument '{key}' to 'builtins.path'")
            error.span, error.located = attr_position(args, key), True
            raise error
    if "path" not in args:
        raise NixError("missing required 'path' attribute in the first argument to 'builtins.path'")
    source = coerce_to_path(
        args["path"], "while evaluating the 'path' attribute passed to 'builtins.path'"
    )
    name = posixpath.basename(source)
    if "name" in args:
        name = str(
            plain_string_arg(
                args["name"],
                "path",
                what="the `name` attribute passed to builtins.path",
            )
        )
    keep = None
    if "filter" in args:
        keep = function_arg(
            args["filter"], "path", what="the `filter` parameter passed to builtins.path"
        )
    recursive = True
    if "recursive" in args:
        recursive = bool_arg(
            args["recursive"], "path", what="the `recursive` attribute passed to builtins.path"
        )
    expected = None
    if "sha256" in args:
        text = plain_string_arg(
            args["sha256"], "path", what="the `sha256` attribute passed to builtins.path"
        )
        from nix_compat.errors import NixCompatError
        from nix_compat.hash import NixHash

        try:
            expected = NixHash.parse(str(text), "sha256").digest
        except NixCompatError as exc:
            raise NixError(str(exc)) from None
    return _add_path(io, source, name, keep, recursive, expected)


@STORE_PATH_BUILTINS.builtin("filterSource", 2, stateful=True)
def filter_source(io: TvixStoreIO, filter_value: Value, path_value: Value) -> str:
    source = coerce_to_path(
        path_value,
        "while evaluating the second argument (the path to filter) passed to "
        "'builtins.filterSource'",
    )
    keep = function_arg(filter_value, "filterSource", 0)
    return _add_path(io, source, posixpath.basename(source), keep, True, None)


def _add_path(
    io: TvixStoreIO,
    source: str,
    name: str,
    keep_function: Value,
    recursive: bool,
    expected: bytes | None,
) -> str:
    # The filter sees each entry under the path as it was given, whatever it resolves to.
    target = io.real_path(source)

    def keep(path: str, kind: str) -> bool:
        shown = posixpath.join(source, posixpath.relpath(path, target))
        answer = force(call(force(call(keep_function, shown)), kind))
        try:
            return ops.expect_bool(answer)
        except NixError as e:
            e.add_trace("while evaluating the return value of the path filter function")
            raise

    try:
        if not io.path_exists(source):
            raise NixError(f"path '{source}' does not exist")
        stored = io.import_path(
            source,
            name,
            keep=None if keep_function is None else keep,
            recursive=recursive,
            expected_sha256=expected,
        )
    except NixError as e:
        e.add_trace(f"while adding path '{source}'")
        raise
    return _store_string(stored)


def _store_path_of(io: TvixStoreIO, path: str) -> StorePath:
    from nix_compat.errors import NixCompatError
    from nix_compat.store_path import StorePath

    try:
        found, _ = StorePath.from_absolute_path_prefix(path, io.store_dir)
    except NixCompatError:
        raise NixError(f"path '{path}' is not in the Nix store") from None
    return found


def coerce_to_store_path(
    io: TvixStoreIO, value: Value, what: str, span: Span | None = None
) -> StorePath:
    """C++ Nix's ``coerceToStorePath``: the store path a path value or string lies in;
    ``what`` (at ``span``) is added to any error."""
    path = coerce_to_path(value, what)
    try:
        return _store_path_of(io, path)
    except NixError as e:
        e.add_trace(what, span)
        raise


@STORE_PATH_BUILTINS.builtin("storePath", 1, stateful=True)
def store_path(io: TvixStoreIO, path_value: Value) -> str:
    if io.pure_eval:
        raise NixError("'builtins.storePath' is not allowed in pure evaluation mode")
    path = coerce_to_path(
        path_value, "while evaluating the first argument passed to 'builtins.storePath'"
    )
    return _store_string(_store_path_of(io, path).to_absolute_path(io.store_dir))
