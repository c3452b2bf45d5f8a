"""What every directory service offers, and the closure rules they all enforce.

A closure is a directory with every directory below it. It is uploaded leaves first, root
last (each directory only after every directory it refers to), so a receiver can check as it
goes that nothing dangles and every recorded size is right; it becomes visible only once the
whole closure has passed, at once. It is read back root first, breadth first, as Tvix sends
it, skipping directories already sent.
"""

from __future__ import annotations

import abc
from collections import deque
from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

from tvix_castore.digest import B3Digest
from tvix_castore.errors import ClosureError, DirectoryNotFoundError, DirectoryServiceError
from tvix_castore.nodes import Directory
from tvix_castore.upload import Upload

__all__ = [
    "ClosurePutter",
    "ClosureValidator",
    "DirectoryPutter",
    "DirectoryService",
    "check_fetched",
    "leaves_first",
    "traverse",
]


class ClosureValidator:
    """Checks a leaves-first stream of directories is one complete closure."""

    def __init__(self) -> None:
        self._seen: dict[B3Digest, Directory] = {}
        self._order: list[Directory] = []

    def add(self, directory: Directory) -> None:
        index = len(self._order)
        for name, child in directory.directories():
            known = self._seen.get(child.digest)
            if known is None:
                raise ClosureError(
                    f"entry {name!r} refers to {child.digest}, which was not sent before it",
                    index,
                )
            if known.size != child.size:
                raise ClosureError(
                    f"entry {name!r} records size {child.size}, but {child.digest} has size "
                    f"{known.size}",
                    index,
                )
        if directory.digest not in self._seen:
            self._seen[directory.digest] = directory
        self._order.append(directory)

    def finish(self) -> list[Directory]:
        """The closure, leaves first and root last, without repeats; checks all are used."""
        if not self._order:
            raise ClosureError("no directories were sent")
        root = self._order[-1]
        reachable = {d.digest for d in traverse(self._seen.get, root.digest)}
        unused = [i for i, d in enumerate(self._order) if d.digest not in reachable]
        if unused:
            raise ClosureError(
                f"{self._order[unused[0]].digest} is not below the root {root.digest}", unused[0]
            )
        unique: dict[B3Digest, Directory] = {}
        for directory in self._order:
            unique.setdefault(directory.digest, directory)
        return list(unique.values())


def check_fetched(expected: B3Digest, directory: Directory) -> Directory:
    """Refuse a directory that does not hash to the digest it was fetched by."""
    if directory.digest != expected:
        raise DirectoryServiceError(
            f"directory {expected}: received a directory that hashes to {directory.digest}"
        )
    return directory


def traverse(get: Callable[[B3Digest], Directory | None], root: B3Digest) -> Iterator[Directory]:
    """Root first, breadth first, each directory once; raises when one is missing."""
    first = get(root)
    if first is None:
        raise DirectoryNotFoundError(root)
    queue = deque([first])
    seen = {root}
    while queue:
        directory = queue.popleft()
        yield directory
        for _name, child in directory.directories():
            if child.digest in seen:
                continue
            seen.add(child.digest)
            found = get(child.digest)
            if found is None:
                raise DirectoryServiceError(
                    f"directory {directory.digest} refers to {child.digest}, which is missing"
                )
            if found.size != child.size:
                raise DirectoryServiceError(
                    f"directory {directory.digest} records size {child.size} for "
                    f"{child.digest}, which has size {found.size}"
                )
            queue.append(found)


def leaves_first(closure: list[Directory]) -> list[Directory]:
    """Order a closure for upload: every directory after all directories it refers to.

    (Reversing a breadth-first listing is not enough: a directory deep in the walk may be
    shared with one met earlier.)
    """
    by_digest = {d.digest: d for d in closure}
    done: set[B3Digest] = set()
    out: list[Directory] = []
    for start in closure:
        stack: list[tuple[Directory, bool]] = [(start, False)]
        while stack:
            directory, expanded = stack.pop()
            if directory.digest in done:
                continue
            if expanded:
                done.add(directory.digest)
                out.append(directory)
                continue
            stack.append((directory, True))
            for _name, child in directory.directories():
                found = by_digest.get(child.digest)
                if found is not None and child.digest not in done:
                    stack.append((found, False))
    return out


class DirectoryPutter(Upload):
    """A closure upload: ``put`` leaves first, then ``close`` returns the root digest."""

    @abc.abstractmethod
    def put(self, directory: Directory) -> None: ...


class ClosurePutter(DirectoryPutter):
    """Validates as directories arrive, then hands the whole closure to ``commit`` at once."""

    def __init__(self, commit: Callable[[list[Directory]], None]):
        self._validator = ClosureValidator()
        self._commit = commit
        self._root: B3Digest | None = None
        self._aborted = False

    def put(self, directory: Directory) -> None:
        if self._root is not None or self._aborted:
            raise DirectoryServiceError("put to a closed directory putter")
        self._validator.add(directory)

    def close(self) -> B3Digest:
        if self._aborted:
            raise DirectoryServiceError("close of an aborted directory putter")
        if self._root is None:
            closure = self._validator.finish()
            self._commit(closure)
            self._root = closure[-1].digest
        return self._root

    def abort(self) -> None:
        self._aborted = True


@runtime_checkable
class DirectoryService(Protocol):
    """A store of directories by digest (memory, sqlite, object store, gRPC, a cache)."""

    def get(self, digest: B3Digest) -> Directory | None:
        """One directory, or None if it is not there."""
        ...

    def get_recursive(self, root: B3Digest) -> Iterator[Directory]:
        """The closure of ``root``, root first and breadth first; DirectoryNotFoundError if
        the root is not there."""
        ...

    def put(self, directory: Directory) -> B3Digest:
        """Store one directory (its children are not checked) and return its digest."""
        ...

    def put_closure(self) -> DirectoryPutter:
        """Start a checked, all-or-nothing upload of a closure."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
