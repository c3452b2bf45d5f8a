"""A fetched source tree in the store: what every tree fetcher (git, path) hands back, and
the one way they add a tree to the store."""

from __future__ import annotations

import posixpath
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tvix_eval.errors import NixError

if TYPE_CHECKING:
    from nix_compat.hash import NixHash
    from tvix_store.importing import Keep

    from tvix_glue.fetchers.inputs import Attr
    from tvix_glue.store_io import TvixStoreIO

__all__ = [
    "FetchedTree",
    "add_tree",
    "keep_only",
    "remember_tree",
    "remembered_tree",
    "time_attrs",
]


@dataclass
class FetchedTree:
    """A fetched tree in the store: its path, NAR hash, and what is known of its source
    (``rev``, ``revCount``, ``lastModified``...)."""

    path: str
    nar_hash: NixHash
    attrs: dict[str, Attr] = field(default_factory=dict)
    #: The ref a fetch without one took (the branch ``HEAD`` names), which locks it.
    ref: str | None = None


def add_tree(io: TvixStoreIO, path: str, name: str, keep: Keep | None = None) -> FetchedTree:
    """The tree at ``path`` (what ``keep`` keeps of it) added to the store as a source path,
    even when the evaluation only computes paths: fetching is what is expensive."""
    from nix_compat.errors import NixCompatError
    from nix_compat.hash import NixHash
    from tvix_castore.errors import CastoreError
    from tvix_store.errors import StoreError
    from tvix_store.importing import tree_path_info

    store = io.store
    try:
        info = tree_path_info(
            path, store.blobs, store.directories, name=name, keep=keep, store_dir=io.store_dir
        )
    except (StoreError, CastoreError, NixCompatError) as exc:
        raise NixError(str(exc)) from None
    store.path_infos.put(info)
    return FetchedTree(
        info.store_path.to_absolute_path(io.store_dir), NixHash("sha256", info.nar_sha256)
    )


def remembered_tree(
    io: TvixStoreIO, kind: str, params: dict[str, Any], max_age: float | None
) -> FetchedTree | None:
    """A tree fetched before (see :mod:`tvix_glue.fetchers.cache`), if the store still has
    it."""
    from nix_compat.errors import NixCompatError
    from nix_compat.hash import NixHash

    cached = io.fetch_cache.get(kind, params, max_age)
    if cached is None or not io.has_path(cached.store_path):
        return None
    attrs = dict(cached.attrs)
    try:
        nar_hash = NixHash.parse(str(attrs.pop("narHash")), None)
    except (KeyError, NixCompatError):
        return None
    ref = attrs.pop("ref", None)
    return FetchedTree(cached.store_path, nar_hash, attrs, None if ref is None else str(ref))


def remember_tree(io: TvixStoreIO, kind: str, params: dict[str, Any], tree: FetchedTree) -> None:
    """Remember a fetched tree for :func:`remembered_tree`."""
    remembered: dict[str, Any] = {**tree.attrs, "narHash": tree.nar_hash.to_sri()}
    if tree.ref is not None:
        remembered["ref"] = tree.ref
    io.fetch_cache.put(kind, params, tree.path, remembered)


def keep_only(root: str, files: set[str]) -> Keep:
    """A filter for :func:`add_tree` of ``root`` keeping ``files`` (relative paths: the
    files a version control system tracks) and the folders that hold them."""
    folders: set[str] = set()
    for name in files:
        while name:
            name = posixpath.dirname(name)
            folders.add(name)
    prefix = root.rstrip("/") + "/"

    def keep(path: str, kind: str) -> bool:
        relative = path[len(prefix) :]
        return relative in files or (kind == "directory" and relative in folders)

    return keep


def time_attrs(seconds: int) -> dict[str, Attr]:
    """``lastModified`` and ``lastModifiedDate`` (UTC, ``YYYYMMDDHHMMSS``) of a time."""
    date = time.strftime("%Y%m%d%H%M%S", time.gmtime(seconds))
    return {"lastModified": seconds, "lastModifiedDate": date}
