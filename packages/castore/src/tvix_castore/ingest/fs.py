"""Importing a file system tree: files stream into blobs on a thread pool, in parallel.

The tree is walked first (lstat only), handing each regular file to a pool that reads and
uploads it in pieces, so memory does not grow with file size and hashing runs on several
cores (blake3 and file reads release the GIL); into a local store, small files are stored by
the walk itself, where a hand-over to another thread would cost more than the storing.
Symlinks and the executable bit are kept; sockets, FIFOs and devices are refused with the
offending path. Nothing of the tree becomes visible unless the import succeeds.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final

from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import CastoreError, IngestionError
from tvix_castore.ingest.tree import Tree, finish
from tvix_castore.nodes import FileNode, Node, SymlinkNode

__all__ = ["PIECE", "Progress", "ingest_path", "leaf_node", "upload_file"]

PIECE: Final = 1024 * 1024

#: Called with the number of file bytes just uploaded.
Progress = Callable[[int], None]


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "of an unknown kind"


def upload_file(
    blobs: BlobService, path: str, executable: bool | None = None, progress: Progress | None = None
) -> FileNode:
    """Stream one file into the blob service; ``executable`` None reads the bit from the
    open file (one stat fewer on the walk, and no race between stat and open)."""
    fd, info = _open(path)
    if executable is None:
        executable = bool(info.st_mode & stat.S_IXUSR)
    return _upload(blobs, fd, path, executable, progress)


def _open(path: str) -> tuple[int, os.stat_result]:
    """A regular file opened for reading, and its status."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise IngestionError(path, exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise IngestionError(path, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise IngestionError(path, "changed into something that is not a file")
    return fd, info


def _upload(
    blobs: BlobService, fd: int, path: str, executable: bool, progress: Progress | None
) -> FileNode:
    """Store what the open file ``fd`` holds (closing it)."""
    try:
        with open(fd, "rb", buffering=0, closefd=True) as source, blobs.open_write() as writer:
            size = 0
            while piece := source.read(PIECE):
                writer.write(piece)
                size += len(piece)
                if progress is not None:
                    progress(len(piece))
    except OSError as exc:
        raise IngestionError(path, exc.strerror or str(exc)) from None
    except CastoreError as exc:
        if isinstance(exc, IngestionError):
            raise
        raise IngestionError(path, str(exc)) from None
    return FileNode(writer.close(), size, executable)


def leaf_node(path: str, mode: int) -> SymlinkNode:
    """The node of what is neither a file nor a directory (of ``lstat`` mode ``mode``): a
    symlink's, or IngestionError naming what else it is (a socket, a FIFO, a device)."""
    if stat.S_ISLNK(mode):
        try:
            return SymlinkNode(os.readlink(os.fsencode(path)))
        except OSError as exc:
            raise IngestionError(path, exc.strerror or str(exc)) from None
        except CastoreError as exc:
            raise IngestionError(path, str(exc)) from None
    raise IngestionError(path, f"is {_kind(mode)}: only files, directories and symlinks")


def _walk(root: str, submit: Callable[[str], FileNode | Future[FileNode]], tree: Tree) -> None:
    pending: list[tuple[str, Tree]] = [(root, tree)]
    while pending:
        folder, into = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise IngestionError(folder, exc.strerror or str(exc)) from None
        for entry in entries:
            name = os.fsencode(entry.name)
            # The kinds come from the directory listing itself (no stat per entry).
            if entry.is_dir(follow_symlinks=False):
                sub: Tree = {}
                into[name] = sub
                pending.append((entry.path, sub))
            elif entry.is_file(follow_symlinks=False):
                into[name] = submit(entry.path)
            else:
                into[name] = leaf_node(entry.path, entry.stat(follow_symlinks=False).st_mode)


def ingest_path(
    path: str | os.PathLike[str],
    blobs: BlobService,
    directories: DirectoryService,
    *,
    workers: int = 4,
    progress: Progress | None = None,
) -> Node:
    """Import the file, symlink or directory at ``path``; returns its root node."""
    where = os.fspath(path)
    try:
        mode = os.lstat(where).st_mode
    except OSError as exc:
        raise IngestionError(where, exc.strerror or str(exc)) from None
    if stat.S_ISREG(mode):
        return upload_file(blobs, where, bool(mode & stat.S_IXUSR), progress)
    if not stat.S_ISDIR(mode):
        return leaf_node(where, mode)
    # Into a local store, small files are stored from the walking thread: storing one costs a
    # few system calls, less than handing it to another thread, which would also fight this
    # one for the GIL at every call. Large files, and every file for a remote store (which
    # has latency to hide), go to the pool.
    local = getattr(blobs, "local_root", None) is not None
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest") as pool:

        def submit(file: str) -> FileNode | Future[FileNode]:
            if local:
                fd, info = _open(file)
                if info.st_size <= PIECE:
                    return _upload(blobs, fd, file, bool(info.st_mode & stat.S_IXUSR), progress)
                os.close(fd)
            return pool.submit(upload_file, blobs, file, None, progress)

        putter = directories.put_closure()
        tree: Tree = {}
        try:
            _walk(where, submit, tree)
            root = finish(tree, putter)
            putter.close()
        except BaseException:
            putter.abort()
            for future in _futures(tree):
                future.cancel()
            raise
    return root


def _futures(tree: Tree) -> list[Future[FileNode]]:
    out: list[Future[FileNode]] = []
    stack = [tree]
    while stack:
        for entry in stack.pop().values():
            if isinstance(entry, dict):
                stack.append(entry)
            elif isinstance(entry, Future):
                out.append(entry)
    return out
