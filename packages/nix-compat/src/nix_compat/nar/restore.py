"""Unpacking a NAR into the file system, as ``nix-store --restore`` does, but safely.

The tree is built aside, in a fresh directory of mode 0700 next to the destination that no
other user can enter, then moved into place in one step; a NAR that turns out corrupt or
truncated half way leaves nothing behind. Every node is created relative to a descriptor of
its parent directory with ``O_EXCL``/``O_NOFOLLOW``, and the names are those the reader has
validated (no ``/``, ``.``, ``..``, duplicates), so nothing is ever written outside the
destination, whatever symlinks the NAR holds.

Modes follow C++ Nix: directories 0777 and files 0666 less the umask, and an executable file
gets the execute bits for everyone on top of that.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import stat
from typing import Final

from nix_compat.errors import NarRestoreError
from nix_compat.nar.format import display_path
from nix_compat.nar.reader import (
    DirectoryEnd,
    DirectoryStart,
    FileEvent,
    NarEvent,
    NarReader,
    Readable,
)

__all__ = ["restore"]

_ROOT: Final = b"root"
_OPEN_DIRECTORY: Final = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_CREATE_FILE: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_EXECUTE_BITS: Final = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


def restore(
    source: Readable,
    destination: str | bytes | os.PathLike[str] | os.PathLike[bytes],
    *,
    expect_eof: bool = True,
) -> int:
    """Unpack the NAR read from ``source`` at ``destination``; return the NAR's size.

    ``destination`` must not exist; its parent must. On any error (:class:`NarError` for a bad
    NAR, :class:`NarRestoreError` for one the file system refuses) nothing is left behind.
    """
    dest = os.path.abspath(os.fsencode(destination))
    parent, name = os.path.split(dest)
    if not name:
        raise NarRestoreError(f"cannot restore to '{os.fsdecode(dest)}'")
    try:
        parent_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        raise NarRestoreError(f"cannot open '{os.fsdecode(parent)}': {e.strerror}") from None
    try:
        _refuse_existing(parent_fd, name, dest)
        staging = b".%s.nar-restore-%s" % (name[:64], secrets.token_hex(8).encode())
        os.mkdir(staging, 0o700, dir_fd=parent_fd)
        try:
            reader = NarReader(_unbuffered(source), expect_eof=expect_eof)
            root_is_directory = _unpack(reader, parent_fd, staging)
            _move_into_place(parent_fd, staging, name, dest, root_is_directory)
        finally:
            with contextlib.suppress(OSError):
                _remove_tree(parent_fd, staging)
    except OSError as e:
        raise NarRestoreError(f"cannot restore to '{os.fsdecode(dest)}': {e.strerror}") from None
    finally:
        os.close(parent_fd)
    return reader.offset


def _unbuffered(source: Readable) -> Readable:
    """The file under a buffered one when nothing is buffered yet (a file just opened):
    file contents can then be copied by the kernel (:meth:`FileEvent.copy_to`)."""
    raw = getattr(source, "raw", None)
    if isinstance(raw, io.FileIO) and isinstance(source, io.BufferedReader):
        try:
            if source.tell() == raw.tell():
                return raw
        except OSError:
            pass  # a pipe: whether something is buffered cannot be told
    return source


def _unpack(reader: NarReader, parent_fd: int, staging: bytes) -> bool:
    """Create the tree in ``staging``; return whether its root is a directory."""
    staging_fd = os.open(staging, _OPEN_DIRECTORY, dir_fd=parent_fd)
    current = staging_fd  # the directory the next node goes into
    root_is_directory = False
    event: NarEvent | None = None
    try:
        for event in reader:
            name = event.path.rpartition(b"/")[2] if event.path else _ROOT
            if isinstance(event, FileEvent):
                _write_file(event, name, current)
            elif isinstance(event, DirectoryStart):
                os.mkdir(name, 0o777, dir_fd=current)
                child = os.open(name, _OPEN_DIRECTORY, dir_fd=current)
                _close_unless(current, staging_fd)
                current = child
                root_is_directory = True
            elif isinstance(event, DirectoryEnd):
                # Going up by ".." is safe: no one else can enter the staging directory.
                up = os.open(b"..", _OPEN_DIRECTORY, dir_fd=current) if event.path else staging_fd
                os.close(current)
                current = up
            else:
                os.symlink(event.target, name, dir_fd=current)
    except OSError as e:
        where = display_path(event.path) if event is not None else None
        raise NarRestoreError(f"cannot create: {e.strerror}", reader.offset, where) from None
    finally:
        _close_unless(current, staging_fd)
        os.close(staging_fd)
    return root_is_directory


def _write_file(event: FileEvent, name: bytes, directory_fd: int) -> None:
    fd = os.open(name, _CREATE_FILE, 0o666, dir_fd=directory_fd)
    try:
        if event.size:
            event.copy_to(fd)
        if event.executable:
            os.fchmod(fd, os.fstat(fd).st_mode | _EXECUTE_BITS)
    finally:
        os.close(fd)


def _move_into_place(
    parent_fd: int, staging: bytes, name: bytes, dest: bytes, is_directory: bool
) -> None:
    """Give the restored root its name, never replacing anything that appeared meanwhile."""
    staging_fd = os.open(staging, _OPEN_DIRECTORY, dir_fd=parent_fd)
    try:
        if not is_directory:
            # A hard link fails if the name exists, where rename would replace it.
            try:
                os.link(
                    _ROOT, name, src_dir_fd=staging_fd, dst_dir_fd=parent_fd, follow_symlinks=False
                )
                return
            except FileExistsError:
                _refuse_existing(parent_fd, name, dest)
            except OSError:
                pass  # a file system without hard links: rename below
        _refuse_existing(parent_fd, name, dest)
        try:
            os.rename(_ROOT, name, src_dir_fd=staging_fd, dst_dir_fd=parent_fd)
        except OSError as e:  # a non-empty directory or a file appeared at the destination
            raise NarRestoreError(
                f"destination '{os.fsdecode(dest)}' appeared during the restore: {e.strerror}"
            ) from None
    finally:
        os.close(staging_fd)


def _refuse_existing(parent_fd: int, name: bytes, dest: bytes) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        raise NarRestoreError(f"destination '{os.fsdecode(dest)}' already exists")


def _close_unless(fd: int, keep: int) -> None:
    if fd != keep:
        os.close(fd)


def _remove_tree(parent_fd: int, name: bytes) -> None:
    """Delete the staging tree, however deep, holding one directory descriptor at a time.

    (``shutil.rmtree`` recurses, and would stop at Python's recursion limit.)
    """
    current = os.open(name, _OPEN_DIRECTORY, dir_fd=parent_fd)
    try:
        frames = [(name, _remove_files(current))]
        while frames:
            directory, subdirectories = frames[-1]
            if subdirectories:
                subdirectory = subdirectories.pop()
                child = os.open(subdirectory, _OPEN_DIRECTORY, dir_fd=current)
                os.close(current)
                current = child
                frames.append((subdirectory, _remove_files(current)))
                continue
            frames.pop()
            up = os.open(b"..", _OPEN_DIRECTORY, dir_fd=current) if frames else parent_fd
            os.close(current)
            current = up
            os.rmdir(directory, dir_fd=current)
    finally:
        if current != parent_fd:
            os.close(current)


def _remove_files(fd: int) -> list[bytes]:
    """Unlink every entry of a directory but its subdirectories, and return their names."""
    with os.scandir(fd) as entries:
        listed = [(os.fsencode(e.name), e.is_dir(follow_symlinks=False)) for e in entries]
    subdirectories = []
    for name, is_directory in listed:
        if is_directory:
            subdirectories.append(name)
        else:
            os.unlink(name, dir_fd=fd)
    return subdirectories
