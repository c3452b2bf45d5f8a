"""The NAR of a file system tree, as ``nix-store --dump`` writes it.

Entries are visited in byte order of their names, a file is executable when its owner may
execute it, symlinks are stored (never followed, dangling or not), and anything else (FIFO,
socket, device) is refused. The tree is walked through directory file descriptors, without
recursion, and file contents are streamed in chunks, so neither depth nor file size costs
memory. Every node is opened with ``O_NOFOLLOW`` and checked after opening, so a tree that
changes under the dump cannot make it read through a symlink or block on a FIFO.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import Final

from nix_compat.errors import NarError
from nix_compat.nar.format import CHUNK_SIZE
from nix_compat.nar.writer import NarWriter, Sink

__all__ = ["dump_path"]


_FILE, _DIRECTORY, _SYMLINK, _OTHER = range(4)
_OPEN_FILE: Final = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_OPEN_DIRECTORY: Final = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

_Listing = Iterator[tuple[bytes, int]]


def dump_path(
    path: str | bytes | os.PathLike[str] | os.PathLike[bytes],
    write: Sink,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the NAR of the tree at ``path`` to ``write``; return the NAR's size in bytes.

    ``path`` is made absolute and normalised first, as C++ Nix does, so ``dir/`` names
    ``dir`` itself even when it is a symlink.
    """
    root = os.path.abspath(os.fsencode(path))
    writer = NarWriter(write)
    stack: list[tuple[int, _Listing, bytes]] = []
    try:
        fd = _dump_node(writer, None, root, _kind_of(None, root), root, chunk_size)
        if fd is not None:
            stack.append((fd, _listing(fd, root), root))
        while stack:
            directory_fd, names, directory = stack[-1]
            item = next(names, None)
            if item is None:
                stack.pop()
                os.close(directory_fd)
                writer.directory_end()
                continue
            name, kind = item
            writer.entry(name)
            child = directory + b"/" + name
            fd = _dump_node(writer, directory_fd, name, kind, child, chunk_size)
            if fd is not None:
                stack.append((fd, _listing(fd, child), child))
    finally:
        for directory_fd, _, _ in stack:
            os.close(directory_fd)
    writer.close()
    return writer.size


def _dump_node(
    writer: NarWriter, dir_fd: int | None, name: bytes, kind: int, path: bytes, chunk_size: int
) -> int | None:
    """Write one node; for a directory, open it and return its descriptor for the walk."""
    try:
        if kind == _SYMLINK:
            writer.symlink(os.readlink(name, dir_fd=dir_fd))
            return None
        if kind == _DIRECTORY:
            fd = os.open(name, _OPEN_DIRECTORY, dir_fd=dir_fd)
            writer.directory_start()
            return fd
        if kind == _FILE:
            fd = os.open(name, _OPEN_FILE, dir_fd=dir_fd)
            try:
                _dump_file(writer, fd, path, chunk_size)
            finally:
                os.close(fd)
            return None
    except OSError as e:
        raise OSError(e.errno, e.strerror, os.fsdecode(path)) from None
    raise NarError(
        f"cannot archive {_describe(dir_fd, name)}: a NAR holds only regular files, "
        "symlinks and directories",
        path=os.fsdecode(path),
    )


def _dump_file(writer: NarWriter, fd: int, path: bytes, chunk_size: int) -> None:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise NarError("file changed type while being archived", path=os.fsdecode(path))
    executable = bool(st.st_mode & stat.S_IXUSR)
    size = st.st_size
    if size <= chunk_size:
        data = os.read(fd, size)
        if len(data) < size:
            data += b"".join(_chunks(fd, size - len(data), chunk_size, path))
        writer.regular(data, executable=executable)
    else:
        writer.regular(_chunks(fd, size, chunk_size, path), executable=executable, size=size)


def _chunks(fd: int, size: int, chunk_size: int, path: bytes) -> Iterator[bytes]:
    """Exactly ``size`` bytes of ``fd``, as C++ Nix reads the size it found by ``stat``."""
    while size:
        chunk = os.read(fd, min(size, chunk_size))
        if not chunk:
            raise NarError("file shrank while being archived", path=os.fsdecode(path))
        size -= len(chunk)
        yield chunk


def _listing(fd: int, path: bytes) -> _Listing:
    """The entries of a directory in byte order of their names, with their types."""
    try:
        with os.scandir(fd) as entries:
            listed = [(os.fsencode(entry.name), _kind(entry)) for entry in entries]
    except OSError as e:
        raise OSError(e.errno, e.strerror, os.fsdecode(path)) from None
    listed.sort()
    return iter(listed)


def _kind(entry: os.DirEntry[str]) -> int:
    if entry.is_symlink():
        return _SYMLINK
    if entry.is_dir(follow_symlinks=False):
        return _DIRECTORY
    if entry.is_file(follow_symlinks=False):
        return _FILE
    return _OTHER


def _kind_of(dir_fd: int | None, name: bytes) -> int:
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError as e:
        raise OSError(e.errno, e.strerror, os.fsdecode(name)) from None
    if stat.S_ISLNK(mode):
        return _SYMLINK
    if stat.S_ISDIR(mode):
        return _DIRECTORY
    if stat.S_ISREG(mode):
        return _FILE
    return _OTHER


def _describe(dir_fd: int | None, name: bytes) -> str:
    """Name the type of a special file for the error that refuses it."""
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        return "a file of unknown type"
    for test, what in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return what
    return "a file of unknown type"
