"""A directory cache: a near service in front of a far one, filled a closure at a time."""

from __future__ import annotations

from collections.abc import Iterator

from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import DirectoryPutter, DirectoryService, leaves_first
from tvix_castore.errors import DirectoryNotFoundError
from tvix_castore.nodes import Directory

__all__ = ["CachedDirectoryService"]


class CachedDirectoryService:
    """Reads try ``near``; a miss fetches the whole closure from ``far`` and stores it in
    ``near`` (leaves first, checked as any closure upload), so ``near`` never holds a
    directory without its children. Writes go to ``far``."""

    def __init__(self, near: DirectoryService, far: DirectoryService):
        self.near = near
        self.far = far

    def _fill(self, root: B3Digest) -> list[Directory] | None:
        try:
            closure = list(self.far.get_recursive(root))
        except DirectoryNotFoundError:
            return None
        with self.near.put_closure() as putter:
            for directory in leaves_first(closure):
                putter.put(directory)
        return closure

    def get(self, digest: B3Digest) -> Directory | None:
        found = self.near.get(digest)
        if found is not None:
            return found
        closure = self._fill(digest)
        return None if closure is None else closure[0]

    def get_recursive(self, root: B3Digest) -> Iterator[Directory]:
        if self.near.get(root) is not None:
            return self.near.get_recursive(root)
        closure = self._fill(root)
        if closure is None:
            raise DirectoryNotFoundError(root)
        return iter(closure)

    def put(self, directory: Directory) -> B3Digest:
        return self.far.put(directory)

    def put_closure(self) -> DirectoryPutter:
        return self.far.put_closure()

    def close(self) -> None:
        self.near.close()
        self.far.close()
