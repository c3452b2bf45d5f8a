"""Writing a NAR one node at a time, without a file system.

:class:`NarWriter` is the one place that emits NAR tokens: the file system dump, the node model
and the stores above build on it. It checks the grammar as it goes (one root, entries in
strictly increasing byte order, legal names, contents of the announced size), so whatever it
emits is a canonical NAR that C++ Nix reads, or it raises :class:`NarError` instead.

Small tokens are gathered into one buffer so the sink sees few, large writes; file contents
pass straight through, so memory does not grow with the size of a file.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, NoReturn

from nix_compat.errors import NarError
from nix_compat.nar.format import (
    MAGIC,
    MAX_PATH_LEN,
    display_path,
    encode_string,
    invalid_name_reason,
    invalid_target_reason,
    join_path,
    padding_len,
    quote_bytes,
)

__all__ = ["NarWriter", "Sink"]

#: Where NAR bytes go: ``file.write``, ``hasher.update``, ``list.append``... The writer never
#: reuses a buffer it has handed over, so a sink may keep what it is given.
Sink = Callable[[bytes], object]

_U64: Final = struct.Struct("<Q")
_CLOSE: Final = encode_string(b")")
_NODE_START: Final = encode_string(b"(") + encode_string(b"type")
_REGULAR: Final = _NODE_START + encode_string(b"regular")
_EXECUTABLE: Final = encode_string(b"executable") + encode_string(b"")
_CONTENTS: Final = encode_string(b"contents")
_SYMLINK: Final = _NODE_START + encode_string(b"symlink") + encode_string(b"target")
_DIRECTORY: Final = _NODE_START + encode_string(b"directory")
_ENTRY: Final = encode_string(b"entry") + encode_string(b"(") + encode_string(b"name")
_NODE: Final = encode_string(b"node")
_ZEROS: Final = bytes(8)


@dataclass(slots=True)
class _OpenDirectory:
    path: bytes
    last_name: bytes | None = None


class NarWriter:
    """Emits one NAR to ``write``, checking the grammar on every call.

    Call :meth:`regular`, :meth:`symlink` or :meth:`directory_start` for the root; inside a
    directory, call :meth:`entry` before each child's node and :meth:`directory_end` after the
    last; then :meth:`close`, which flushes and checks the NAR is complete.
    """

    def __init__(self, write: Sink, *, buffer_size: int = 64 * 1024) -> None:
        self._write = write
        self._buffer_size = buffer_size
        self._buffer = bytearray(MAGIC)
        self._flushed = 0
        self._stack: list[_OpenDirectory] = []
        self._path = b""
        self._node_expected = True
        self._closed = False
        self._broken = False
        self._file: list[int] | None = None  # announced and written size of an open file

    @property
    def size(self) -> int:
        """Bytes of NAR emitted so far (flushed or still buffered)."""
        return self._flushed + len(self._buffer)

    # -- nodes -----------------------------------------------------------------------------

    def regular(
        self,
        contents: bytes | Iterable[bytes],
        *,
        executable: bool = False,
        size: int | None = None,
    ) -> None:
        """Write a regular file; ``contents`` is its bytes or, with ``size``, chunks of them."""
        if isinstance(contents, bytes | bytearray | memoryview):
            self._start_node()
            data = bytes(contents)
            if size is not None and size != len(data):
                self._fail(f"file contents are {len(data)} bytes, not the announced {size}")
            self._emit(
                (_REGULAR + _EXECUTABLE if executable else _REGULAR)
                + _CONTENTS
                + _U64.pack(len(data))
            )
            self._emit(data)
            self._emit(_ZEROS[: padding_len(len(data))] + _CLOSE)
        else:
            if size is None:
                self._fail("file contents given as chunks need a size")
            self.regular_start(size, executable=executable)
            for chunk in contents:
                self.contents(chunk)
            self.regular_end()
            return
        self._end_node()

    def regular_start(self, size: int, *, executable: bool = False) -> None:
        """Start a regular file of ``size`` bytes, whose contents follow through
        :meth:`contents`, then :meth:`regular_end`: for a caller that yields between pieces
        (a NAR rendered as a stream), where :meth:`regular` would take them all at once."""
        self._start_node()
        if size < 0:
            self._fail(f"file size {size} is negative")
        self._emit(
            (_REGULAR + _EXECUTABLE if executable else _REGULAR) + _CONTENTS + _U64.pack(size)
        )
        self._file = [size, 0]

    def contents(self, data: bytes) -> None:
        """The next piece of the open regular file's contents."""
        file = self._file
        if file is None:
            self._fail("contents outside a regular file")
        file[1] += len(data)
        if file[1] > file[0]:
            self._broken = True
            self._fail(f"file contents exceed the announced {file[0]} bytes")
        self._emit(data)

    def regular_end(self) -> None:
        """Finish the open regular file, which must have received all its contents."""
        file = self._file
        if file is None:
            self._fail("no regular file to finish")
        size, written = file
        if written != size:
            self._broken = True
            self._fail(f"file contents are {written} bytes, not the announced {size}")
        self._file = None
        self._emit(_ZEROS[: padding_len(size)] + _CLOSE)
        self._end_node()

    def symlink(self, target: bytes) -> None:
        """Write a symlink to ``target`` (which need not exist)."""
        self._start_node()
        reason = invalid_target_reason(target)
        if reason:
            self._fail(reason)
        self._emit(_SYMLINK + encode_string(target) + _CLOSE)
        self._end_node()

    def directory_start(self) -> None:
        """Open a directory; its entries follow, each started by :meth:`entry`."""
        self._start_node()
        self._emit(_DIRECTORY)
        self._stack.append(_OpenDirectory(self._path))

    def entry(self, name: bytes) -> None:
        """Start the entry ``name`` of the open directory; its node is written next."""
        directory = self._open_directory("entry")
        reason = invalid_name_reason(name)
        if reason:
            self._fail(reason, directory.path)
        last = directory.last_name
        if last is not None and name <= last:
            what = "duplicate entry" if name == last else "entries out of order:"
            self._fail(f"{what} {quote_bytes(name)} after {quote_bytes(last)}", directory.path)
        path = join_path(directory.path, name)
        if len(path) > MAX_PATH_LEN:
            self._fail(f"entry path is longer than {MAX_PATH_LEN} bytes", path)
        directory.last_name = name
        self._emit(_ENTRY + encode_string(name) + _NODE)
        self._path = path
        self._node_expected = True

    def directory_end(self) -> None:
        """Close the open directory."""
        self._open_directory("end of directory")
        self._stack.pop()
        self._emit(_CLOSE)
        self._end_node()

    @contextmanager
    def directory(self) -> Iterator[None]:
        """``with writer.directory():`` brackets the entries of a directory."""
        self.directory_start()
        yield
        self.directory_end()

    # -- completion ------------------------------------------------------------------------

    def flush(self) -> None:
        """Hand the buffered bytes to the sink."""
        if self._buffer:
            data = bytes(self._buffer)
            self._buffer.clear()
            self._flushed += len(data)
            self._write(data)

    def close(self) -> None:
        """Flush, and check that the root node is complete."""
        if not self._closed:
            if self._node_expected or self._stack:
                self._fail("NAR is incomplete")
            self._closed = True
        self.flush()

    # -- internals -------------------------------------------------------------------------

    def _start_node(self) -> None:
        if self._broken:
            self._fail("writer is unusable after an earlier error")
        if not self._node_expected:
            where = "the NAR is complete" if not self._stack else "call entry() first"
            self._fail(f"no node expected here: {where}")
        self._node_expected = False

    def _end_node(self) -> None:
        if self._stack:
            self._emit(_CLOSE)  # closes the entry this node was the child of

    def _open_directory(self, what: str) -> _OpenDirectory:
        if self._broken:
            self._fail("writer is unusable after an earlier error")
        if self._node_expected or not self._stack:
            self._fail(f"{what} outside an open directory")
        return self._stack[-1]

    def _emit(self, data: bytes) -> None:
        buffer = self._buffer
        if len(buffer) + len(data) <= self._buffer_size:
            buffer += data
            return
        self.flush()
        if len(data) < self._buffer_size:
            buffer += data
        else:
            self._flushed += len(data)
            self._write(data)

    def _fail(self, message: str, path: bytes | None = None) -> NoReturn:
        raise NarError(message, self.size, display_path(self._path if path is None else path))
