"""Copying closures between the store and binary caches (``tvix-store copy``).

From a cache, each path's narinfo is fetched and trusted (a signature by a trusted key, or a
content address that gives the path), its NAR ingested and checked; a path becomes valid in
the store only after every path it refers to has, so the store never holds a path whose
closure is incomplete. To a cache, paths are written references first, each skipped when the
cache has its narinfo already.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from nix_compat.signing import SigningKey, VerifyingKey
from nix_compat.store_path import StorePath
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.service import DirectoryService

from tvix_store.binary_cache.transport import CacheTransport
from tvix_store.binary_cache.upload import CACHE_INFO, upload_path
from tvix_store.errors import PathInfoServiceError, PathMissing, StoreError
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.nix_http import NixHttpPathInfoService
from tvix_store.pathinfoservice.service import PathInfoService, path_info_of

__all__ = ["copy_from_cache", "copy_to_cache", "references_first"]

Progress = Callable[[PathInfo], None]


def references_first(infos: Iterable[PathInfo]) -> list[PathInfo]:
    """``infos`` ordered so that each comes after the ones it refers to (among them)."""
    by_path = {info.store_path: info for info in infos}
    done: set[StorePath] = set()
    out: list[PathInfo] = []
    for start in sorted(by_path):
        stack: list[tuple[StorePath, bool]] = [(start, False)]
        while stack:
            path, expanded = stack.pop()
            if path in done:
                continue
            if expanded:
                done.add(path)
                out.append(by_path[path])
                continue
            stack.append((path, True))
            stack.extend(
                (ref, False)
                for ref in sorted(by_path[path].references, reverse=True)
                if ref in by_path and ref not in done and ref != path
            )
    return out


def _closure(
    paths: Sequence[StorePath], lookup: Callable[[StorePath], PathInfo | None]
) -> dict[StorePath, PathInfo]:
    """The PathInfos of ``paths`` and of everything they refer to, as far as ``lookup``
    answers (None: a path whose closure need not be followed)."""
    closure: dict[StorePath, PathInfo] = {}
    skipped: set[StorePath] = set()
    queue = list(paths)
    while queue:
        path = queue.pop()
        if path in closure or path in skipped:
            continue
        info = lookup(path)
        if info is None:
            skipped.add(path)
            continue
        closure[path] = info
        queue.extend(r for r in info.references if r != path)
    return closure


def copy_from_cache(
    cache_url: str,
    paths: Sequence[StorePath],
    blobs: BlobService,
    directories: DirectoryService,
    path_infos: PathInfoService,
    *,
    public_keys: Sequence[VerifyingKey] | None,
    progress: Progress | None = None,
) -> list[PathInfo]:
    """Copy the closures of ``paths`` from the cache; returns the paths newly added.
    ``public_keys`` None trusts every narinfo (``--no-check-sigs``)."""
    source = NixHttpPathInfoService(cache_url, blobs, directories, public_keys=public_keys)

    def fetch(path: StorePath) -> PathInfo | None:
        if path_info_of(path_infos, path) is not None:
            return None  # valid here, and so is its closure
        info = path_info_of(source, path)
        if info is None:
            raise PathMissing(cache_url, path.to_absolute_path())
        return info

    try:
        fetched = _closure(paths, fetch)
        for info in references_first(fetched.values()):
            path_infos.put(info)
            if progress is not None:
                progress(info)
    except PathInfoServiceError as exc:
        raise StoreError(str(exc)) from None
    finally:
        source.close()
    return list(fetched.values())


def copy_to_cache(
    cache: CacheTransport,
    paths: Sequence[StorePath],
    blobs: BlobService,
    directories: DirectoryService,
    path_infos: PathInfoService,
    *,
    compression: str = "xz",
    key: SigningKey | None = None,
    progress: Progress | None = None,
) -> list[PathInfo]:
    """Write the closures of ``paths`` into the cache; returns the paths uploaded."""

    def valid(path: StorePath) -> PathInfo:
        info = path_info_of(path_infos, path)
        if info is None:
            raise StoreError(f"path '{path.to_absolute_path()}' is not valid")
        return info

    closure = _closure(paths, valid)
    if not cache.exists("nix-cache-info"):
        cache.write("nix-cache-info", CACHE_INFO.encode(), "text/x-nix-cache-info")
    uploaded = []
    for info in references_first(closure.values()):
        if cache.exists(f"{info.store_path.hash_part}.narinfo"):
            continue
        upload_path(info, blobs, directories, cache, compression=compression, key=key)
        uploaded.append(info)
        if progress is not None:
            progress(info)
    return uploaded
