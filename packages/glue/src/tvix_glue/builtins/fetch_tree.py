"""``fetchTree`` (experimental feature ``fetch-tree``) and ``fetchGit``: a source tree fetched
into the store, returned as the attribute set C++ Nix 2.26 returns (``outPath``, ``narHash``,
and what the source tells: ``rev``, ``revCount``, ``lastModified``...).

Types fetched: ``git`` (see :mod:`tvix_glue.fetchers.git`), ``hg``
(:mod:`tvix_glue.fetchers.mercurial`), ``path``, ``file`` and ``tarball``; the forges
(``github``, ``gitlab``, ``sourcehut``) and ``indirect`` inputs are understood but not fetched
yet, and say so.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tvix_eval.builtins.registry import BuiltinSet
from tvix_eval.errors import NixError
from tvix_eval.runtime import ops
from tvix_eval.value import NixPath, force, make_string, type_name

# The fetchers are imported where they are used: every evaluator has these builtins, and
# most evaluations call none of them.

if TYPE_CHECKING:
    from tvix_glue.fetchers.inputs import Attr, Input
    from tvix_glue.fetchers.tree import FetchedTree
    from tvix_glue.store_io import TvixStoreIO

__all__ = ["FETCH_TREE_BUILTINS", "fetch_input", "tree_attrs"]

Value = Any

FETCH_TREE_BUILTINS = BuiltinSet()

_ZERO_REV = "0" * 40


def _input_attrs(value: Value, who: str) -> dict[str, Attr]:
    """The attributes of a set given to ``fetchTree``/``fetchGit``, each a string (paths and
    strings alike, without copying a path), a Boolean or an integer."""
    attrs: dict[str, Attr] = {}
    for name, item in value.items():
        item = force(item)
        if type(item) is bool or type(item) is int:
            attrs[name] = item
        elif type(item) is NixPath or isinstance(item, str):
            what = f"while evaluating the '{name}' attribute passed to builtins.{who}"
            attrs[name] = str(ops.coerce_to_string(item, what, copy_to_store=False))
        else:
            raise NixError(
                f"argument '{name}' to '{who}' is {type_name(item)} while a string, "
                "Boolean or integer is expected"
            )
    return attrs


def _git_url(url: str) -> str:
    return "file://" + url if url.startswith("/") else url


def _fetch_git_input(value: Value, fetch_git_defaults: bool) -> Input:
    from tvix_glue.fetchers.inputs import attrs_json, input_from_attrs

    value = force(value)
    who = "fetchGit" if fetch_git_defaults else "fetchTree"
    if isinstance(value, dict):
        attrs = _input_attrs(value, who)
    else:
        what = "while evaluating the first argument passed to the fetcher"
        attrs = {"url": str(ops.coerce_to_string(value, what, copy_to_store=False))}
    attrs.setdefault("type", "git")
    if "url" in attrs:
        attrs["url"] = _git_url(str(attrs["url"]))
    if fetch_git_defaults and "exportIgnore" not in attrs and not attrs.get("submodules"):
        attrs["exportIgnore"] = True
    if not fetch_git_defaults and "shallow" not in attrs:
        attrs["shallow"] = True
    for name in ("ref", "rev", "url", "name"):
        if name in attrs and not isinstance(attrs[name], str):
            raise NixError(f"input attribute '{name}' is not a string {attrs_json(attrs)}")
    return input_from_attrs(attrs, who)


def fetch_input(io: TvixStoreIO, source: Input) -> FetchedTree:
    """The tree ``source`` names, fetched into the store."""
    kind = source.type
    if kind == "git":
        return _fetch_git(io, source)
    if kind == "path":
        return _fetch_path(io, source)
    if kind in ("file", "tarball"):
        return _fetch_url(io, source)
    if kind == "hg":
        return _fetch_hg(io, source)
    raise NixError(f"fetching '{kind}' inputs ('{source.to_url()}') is not supported by tvix yet")


def _fetch_git(io: TvixStoreIO, source: Input) -> FetchedTree:

    from tvix_glue.fetchers.git import GitRequest, fetch_git

    rev = source.get("rev")
    if rev is not None and len(str(rev)) != 40:
        raise NixError(f"hash '{rev}' has wrong length for hash algorithm 'sha1'")
    if io.pure_eval and rev is None:
        raise NixError(
            f"in pure evaluation mode, 'fetchGit' will not fetch unlocked input '{source.to_url()}'"
        )
    request = GitRequest(
        url=str(source.get("url")),
        shown=source.to_url(),
        ref=_optional(source.get("ref")),
        rev=_optional(rev),
        shallow=bool(source.get("shallow")),
        submodules=bool(source.get("submodules")),
        export_ignore=bool(source.get("exportIgnore")),
        all_refs=bool(source.get("allRefs")),
        name=str(source.get("name") or "source"),
    )
    tree = fetch_git(io, request)
    _check_nar_hash(source, tree)
    return tree


def _fetch_hg(io: TvixStoreIO, source: Input) -> FetchedTree:
    from tvix_glue.fetchers.mercurial import HgRequest, fetch_mercurial

    request = HgRequest(
        url=str(source.get("url")),
        shown=source.to_url(),
        ref=_optional(source.get("ref")),
        rev=_optional(source.get("rev")),
        name=str(source.get("name") or "source"),
    )
    tree = fetch_mercurial(io, request)
    if "rev" in tree.attrs:
        tree.attrs["shortRev"] = str(tree.attrs["rev"])[:7]
    _check_nar_hash(source, tree)
    return tree


def _optional(value: Attr | None) -> str | None:
    return None if value is None else str(value)


def _check_nar_hash(source: Input, tree: FetchedTree) -> None:
    """The input's ``narHash``, if it has one, is the fetched tree's."""
    from nix_compat.hash import NixHash

    from tvix_glue.fetchers.fetch import HashMismatch

    given = source.get("narHash")
    if given is None:
        return
    expected = NixHash.parse(str(given), None)
    if expected != tree.nar_hash:
        error = HashMismatch(
            f"NAR hash mismatch in input '{source.to_url()}', expected "
            f"'{expected.to_sri()}' but got '{tree.nar_hash.to_sri()}'"
        )
        error.add_trace(f"while fetching the input '{source.to_url()}'")
        raise error


def _fetch_path(io: TvixStoreIO, source: Input) -> FetchedTree:
    from tvix_glue.fetchers.tree import add_tree, time_attrs

    path = str(source.get("path"))
    if not path.startswith("/"):
        raise NixError(f"path '{path}' is not an absolute path")
    try:
        tree = add_tree(io, os.path.realpath(path), "source")
    except NixError as e:
        e.add_trace(f"while fetching the input '{source.to_url()}'")
        raise
    tree.attrs.update(time_attrs(_newest_mtime(path)))
    _check_nar_hash(source, tree)
    return tree


def _path_info(io: TvixStoreIO, path: str) -> Any:
    from nix_compat.store_path import StorePath

    info = io.path_info(StorePath.from_absolute_path(path, io.store_dir))
    assert info is not None, path
    return info


def _newest_mtime(path: str) -> int:
    newest = int(os.lstat(path).st_mtime)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            newest = max(newest, int(os.lstat(os.path.join(folder, name)).st_mtime))
    return newest


def _fetch_url(io: TvixStoreIO, source: Input) -> FetchedTree:
    from nix_compat.hash import NixHash

    from tvix_glue.fetchers.fetch import fetch_file, fetch_tarball_tree
    from tvix_glue.fetchers.tree import FetchedTree

    url = str(source.get("url"))
    try:
        if source.type == "file":
            path = fetch_file(io, url, "source", None, recursive=True)
            tree = FetchedTree(path, NixHash("sha256", _path_info(io, path).nar_sha256))
        else:
            tree = fetch_tarball_tree(io, url, "source", None)
    except NixError as e:
        e.add_trace(f"while fetching the input '{source.to_url()}'")
        raise
    _check_nar_hash(source, tree)
    return tree


def tree_attrs(tree: FetchedTree, source: Input, *, fetch_git: bool) -> dict[str, Value]:
    """The attribute set C++ Nix returns for a fetched tree."""
    from tvix_glue.fetchers.tree import time_attrs

    result: dict[str, Value] = {
        "outPath": make_string(tree.path, frozenset({tree.path})),
        "narHash": tree.nar_hash.to_sri(),
    }
    attrs = dict(tree.attrs)
    # What the input already says of its source (a lock file's revCount) stands where the
    # fetch could not tell (a shallow clone).
    for known in ("revCount", "lastModified"):
        value = source.get(known)
        if known not in attrs and isinstance(value, int):
            attrs.update(time_attrs(value) if known == "lastModified" else {known: value})
    if source.type == "git":
        attrs["submodules"] = bool(source.get("submodules"))
        if fetch_git and "rev" not in attrs:
            attrs.update(rev=_ZERO_REV, shortRev=_ZERO_REV[:7], revCount=0)
        if fetch_git:
            attrs.setdefault("revCount", 0)
    result.update(attrs)
    return dict(sorted(result.items()))


@FETCH_TREE_BUILTINS.builtin("fetchTree", 1, stateful=True, feature="fetch-tree")
def fetch_tree(io: TvixStoreIO, args: Value) -> dict[str, Value]:
    from tvix_glue.fetchers.inputs import input_from_attrs, parse_flake_ref

    args = force(args)
    if isinstance(args, dict):
        attrs = _input_attrs(args, "fetchTree")
        if "type" not in attrs:
            raise NixError("attribute 'type' is missing in call to 'fetchTree'")
        if "name" in attrs and attrs["type"] != "git":
            raise NixError("attribute 'name' isn’t supported in call to 'fetchTree'")
        if attrs["type"] == "git":
            source = _fetch_git_input(args, fetch_git_defaults=False)
        else:
            source = input_from_attrs(attrs)
    else:
        what = "while evaluating the first argument passed to the fetcher"
        text = str(ops.coerce_to_string(args, what, copy_to_store=False))
        source, _ = parse_flake_ref(text)
    if source.type == "indirect":
        raise NixError(
            f"cannot fetch input '{source.to_url()}' because it uses an indirect flake reference"
        )
    return tree_attrs(fetch_input(io, source), source, fetch_git=False)


@FETCH_TREE_BUILTINS.builtin("fetchGit", 1, global_=False, stateful=True)
def fetch_git(io: TvixStoreIO, args: Value) -> dict[str, Value]:
    source = _fetch_git_input(args, fetch_git_defaults=True)
    return tree_attrs(fetch_input(io, source), source, fetch_git=True)
