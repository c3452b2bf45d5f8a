"""Directories kept in a dict."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import ClosurePutter, DirectoryPutter, traverse
from tvix_castore.nodes import Directory

__all__ = ["MemoryDirectoryService"]


class MemoryDirectoryService:
    """All directories in memory; a closure lands under one lock, so readers see all or none."""

    def __init__(self) -> None:
        self._dirs: dict[B3Digest, Directory] = {}
        self._lock = threading.Lock()

    def get(self, digest: B3Digest) -> Directory | None:
        return self._dirs.get(digest)

    def get_recursive(self, root: B3Digest) -> Iterator[Directory]:
        return traverse(self.get, root)

    def put(self, directory: Directory) -> B3Digest:
        with self._lock:
            self._dirs[directory.digest] = directory
        return directory.digest

    def _commit(self, closure: list[Directory]) -> None:
        with self._lock:
            for directory in closure:
                self._dirs[directory.digest] = directory

    def put_closure(self) -> DirectoryPutter:
        return ClosurePutter(self._commit)

    def close(self) -> None:
        pass
