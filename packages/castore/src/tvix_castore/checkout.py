"""Writing a castore node out as files on disk: the inverse of :mod:`tvix_castore.ingest.fs`
(a build sandbox sees its inputs so). Names come from castore, where they are checked (no
``/``, ``.`` or ``..``), so nothing is written outside the target; every blob is checked
against its digest as it is read. Walks without recursion: trees nest deeper than Python's
stack would allow.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

from tvix_castore.errors import DirectoryNotFoundError
from tvix_castore.nodes import FileNode, Node, SymlinkNode

if TYPE_CHECKING:
    from tvix_castore.blobs.service import BlobService
    from tvix_castore.directories.service import DirectoryService

__all__ = ["checkout"]


def checkout(
    node: Node,
    path: str | bytes | os.PathLike[str] | os.PathLike[bytes],
    blobs: BlobService,
    directories: DirectoryService,
) -> None:
    """Create ``path`` (which must not exist) holding ``node``: a directory with its whole
    tree, a file (executable or not) or a symlink. Directories are left writable by their
    owner; the caller decides what to make read-only."""
    pending: list[tuple[bytes, Node]] = [(os.fsencode(path), node)]
    while pending:
        target, current = pending.pop()
        if isinstance(current, SymlinkNode):
            os.symlink(current.target, target)
        elif isinstance(current, FileNode):
            _write_file(target, current, blobs)
        else:
            directory = directories.get(current.digest)
            if directory is None:
                raise DirectoryNotFoundError(current.digest)
            os.mkdir(target, 0o755)
            pending.extend((os.path.join(target, name), child) for name, child in directory.items())


def _write_file(target: bytes, node: FileNode, blobs: BlobService) -> None:
    mode = 0o755 if node.executable else 0o644
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as out, blobs.open_read(node.digest) as source:
        shutil.copyfileobj(source, out, 1 << 20)
