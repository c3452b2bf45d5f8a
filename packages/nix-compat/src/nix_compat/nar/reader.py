"""Reading a NAR as a stream of events, validating it strictly on the way.

:class:`NarReader` turns a byte stream into events: :class:`DirectoryStart`,
:class:`DirectoryEnd`, :class:`SymlinkEvent` and :class:`FileEvent`, in NAR order (a directory's
entries between its start and end). A file's contents are not read until asked for
(:meth:`FileEvent.read`, :meth:`FileEvent.chunks`); what is left unread is skipped when the
reader moves on, by seeking when the stream can. So no file is ever held whole in memory.

Only the canonical NAR is accepted (see :mod:`nix_compat.nar.format`): a wrong magic, an
unknown tag or node type, entries that are unsorted, duplicated or illegally named, non-zero
padding, a truncated stream and data after the NAR each raise one :class:`NarError` that gives
the byte offset and the path of the entry being read.

Tokens are read from a buffer the reader fills ahead, and well-formed entries are taken by a
fast path of a few comparisons (anything else falls back to the careful path, which names
the error). With ``expect_eof=False``, for a NAR embedded in a longer stream (the daemon
protocol), the reader reads nothing ahead and stops exactly where the NAR ends.
"""

from __future__ import annotations

import errno
import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, NoReturn, Protocol

from nix_compat.errors import NarError
from nix_compat.nar.format import (
    CHUNK_SIZE,
    MAX_NAME_LEN,
    MAX_PATH_LEN,
    MAX_TARGET_LEN,
    display_path,
    encode_string,
    invalid_name_reason,
    invalid_target_reason,
    join_path,
    padding_len,
    quote_bytes,
)

__all__ = [
    "DirectoryEnd",
    "DirectoryStart",
    "FileEvent",
    "NarEvent",
    "NarReader",
    "Readable",
    "SymlinkEvent",
]

#: Skipped contents at least this long are seeked over rather than read, when the stream can.
_SEEK_THRESHOLD: Final = 1 << 16

#: How much is read ahead into the buffer tokens are read from.
_READAHEAD: Final = 1 << 16
#: What the fast path for entries wants buffered: an entry head with a name of any length.
_FAST_WINDOW: Final = 2048

_U64: Final = struct.Struct("<Q")
_MAGIC_TAG: Final = b"nix-archive-1"
_KINDS: Final = (b"regular", b"symlink", b"directory")
_KIND_TOKENS: Final = tuple((kind, encode_string(kind)) for kind in _KINDS)
_CLOSE_TOKENS: Final = (b")",)
_NODE_START_TOKENS: Final = (b"(", b"type")
_ENTRY_TOKENS: Final = (b"(", b"name")
_NODE_TOKENS: Final = (b"node",)
_EXECUTABLE_TOKENS: Final = (b"", b"contents")
_ZEROS: Final = bytes(8)
# Runs of tokens the fast paths look for whole.
_ENTRY_HEAD: Final = b"".join(map(encode_string, (b"entry", b"(", b"name")))
_NODE_HEAD: Final = b"".join(map(encode_string, (b"node", b"(", b"type")))
_CONTENTS: Final = encode_string(b"contents")
_REGULAR: Final = encode_string(b"regular")
_EXECUTABLE_CONTENTS: Final = b"".join(map(encode_string, (b"executable", b"", b"contents")))
_PADDED_CLOSE: Final = tuple(bytes(pad) + encode_string(b")") for pad in range(8))
_PADDED_CLOSE_CLOSE: Final = tuple(close + encode_string(b")") for close in _PADDED_CLOSE)
_LONGEST_TAG: Final = len(b"executable")
#: A string this short found where a tag belongs is quoted in the error.
_LONGEST_SHOWN: Final = 64


class Readable(Protocol):
    """What the reader needs of a stream: ``read``. ``seek``/``seekable`` are used if present."""

    def read(self, size: int, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class DirectoryStart:
    """A directory begins at ``path`` (``b""`` for the root); its entries follow."""

    path: bytes
    offset: int


@dataclass(frozen=True, slots=True)
class DirectoryEnd:
    """The directory at ``path`` has no more entries."""

    path: bytes
    offset: int


@dataclass(frozen=True, slots=True)
class SymlinkEvent:
    """A symlink at ``path`` pointing to ``target``."""

    path: bytes
    offset: int
    target: bytes


class FileEvent:
    """A regular file at ``path``; its ``size`` bytes of contents start at ``contents_offset``.

    The contents can be read only until the next event is asked for.
    """

    __slots__ = ("_reader", "contents_offset", "executable", "offset", "path", "size")

    def __init__(
        self,
        reader: NarReader,
        path: bytes,
        offset: int,
        executable: bool,
        size: int,
        contents_offset: int,
    ) -> None:
        self._reader = reader
        self.path = path
        self.offset = offset
        self.executable = executable
        self.size = size
        self.contents_offset = contents_offset

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` further bytes of the contents (all that remain if negative)."""
        return self._reader._read_contents(self, size)

    def chunks(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The remaining contents, in pieces of at most ``chunk_size`` bytes."""
        while chunk := self._reader._read_contents(self, chunk_size):
            yield chunk

    def copy_to(self, fd: int) -> None:
        """Write the remaining contents to the file descriptor ``fd``. When the NAR is read
        from an unbuffered file or pipe (``io.FileIO``) the kernel copies them
        (``copy_file_range``, ``splice``), never through Python's memory."""
        self._reader._copy_contents(self, fd)

    def __repr__(self) -> str:
        return (
            f"FileEvent(path={self.path!r}, executable={self.executable}, size={self.size}, "
            f"contents_offset={self.contents_offset})"
        )


NarEvent = DirectoryStart | DirectoryEnd | SymlinkEvent | FileEvent


class NarReader:
    """Iterates over the events of the NAR on ``source``; single use.

    With ``expect_eof`` (the default) the stream must end where the NAR does; without it the
    reader stops right after the NAR and leaves the rest of the stream unread.
    """

    def __init__(self, source: Readable, *, expect_eof: bool = True) -> None:
        self._read_source = source.read
        self._source = source
        self._seekable = _can_seek(source)
        # An unbuffered file or pipe: contents can be copied by the kernel (copy_to), as the
        # descriptor's position is exactly where this reader's buffer ends.
        self._fd = source.fileno() if isinstance(source, io.FileIO) else None
        self._expect_eof = expect_eof
        # Tokens are read from a buffer filled ahead, except for a NAR embedded in a longer
        # stream, which must not be read past; contents bypass the buffer.
        self._readahead = _READAHEAD if expect_eof else 0
        self._buf = b""
        self._pos = 0  # where in _buf the reader is
        self._base = 0  # the stream offset of _buf[0]
        self._path = b""
        self._file: FileEvent | None = None
        self._remaining = 0
        self._events = self._parse()

    @property
    def offset(self) -> int:
        """Bytes of the NAR read so far."""
        return self._base + self._pos

    def __iter__(self) -> Iterator[NarEvent]:
        return self._events

    def __next__(self) -> NarEvent:
        return next(self._events)

    # -- the grammar -----------------------------------------------------------------------

    def _parse(self) -> Iterator[NarEvent]:
        self._expect((_MAGIC_TAG, *_NODE_START_TOKENS))
        node_offset = len(_encoded((_MAGIC_TAG,)))
        kind = self._read_tag(_KINDS, "node type")
        stack: list[tuple[bytes, bytes | None]] = []  # (directory path, last entry name)
        fast = self._readahead > 0
        while True:
            entry_closed = False
            if kind == b"regular":
                yield self._file_event(node_offset)
                entry_closed = self._finish_file(bool(stack))
            elif kind == b"directory":
                yield DirectoryStart(self._path, node_offset)
                stack.append((self._path, None))
            else:
                yield self._symlink(node_offset)
            # The node just read is complete unless it opened a directory; close finished
            # directories until one has another entry, or the root is done.
            node_done = kind != b"directory"
            while True:
                if node_done:
                    if not stack:
                        self._finish_nar()
                        return
                    if not entry_closed:
                        self._expect(_CLOSE_TOKENS)  # closes the entry the node belonged to
                    entry_closed = False
                directory, last = stack[-1]
                self._path = directory
                entry = self._fast_entry(directory, last) if fast else None
                if entry is None:
                    tag_offset = self.offset
                    if self._read_tag((b"entry", b")")) == b")":
                        stack.pop()
                        yield DirectoryEnd(directory, tag_offset)
                        node_done = True
                        continue
                    self._expect(_ENTRY_TOKENS)
                    name = self._read_name(last)
                    self._path = join_path(directory, name)
                    if len(self._path) > MAX_PATH_LEN:
                        self._fail(f"entry path is longer than {MAX_PATH_LEN} bytes")
                    self._expect(_NODE_TOKENS)
                    node_offset = self.offset
                    self._expect(_NODE_START_TOKENS)
                    kind = self._read_tag(_KINDS, "node type")
                else:
                    name, kind, node_offset = entry
                    self._path = directory + b"/" + name if directory else name
                stack[-1] = (directory, name)
                break

    def _fast_entry(self, directory: bytes, last: bytes | None) -> tuple[bytes, bytes, int] | None:
        """Read a well-formed entry's head (up to its node type) straight from the buffer.

        Most entries are well formed; this takes them in a few comparisons. Anything unusual
        (a malformation, the end of the directory or of the buffer) returns None, having read
        nothing, and the careful path reads it again and says what is wrong.
        """
        buf, pos = self._buf, self._pos
        if len(buf) - pos < _FAST_WINDOW:
            self._fill(_FAST_WINDOW)
            buf, pos = self._buf, self._pos
        if not buf.startswith(_ENTRY_HEAD, pos):
            return None
        start = pos + 56
        try:
            length = _U64.unpack_from(buf, pos + 48)[0]
        except struct.error:
            return None
        end = start + ((length + 7) & ~7)
        name = buf[start : start + length]
        kind_at = end + 48
        if (
            length == 0
            or length > MAX_NAME_LEN
            or len(buf) < kind_at + 24
            or (
                end != start + length and buf[start + length : end].count(0) != end - start - length
            )
            or b"/" in name
            or b"\0" in name
            or name == b"."
            or name == b".."
            or (last is not None and name <= last)
            or len(directory) + 1 + length > MAX_PATH_LEN
            or not buf.startswith(_NODE_HEAD, end)
        ):
            return None
        if buf.startswith(_REGULAR, kind_at):
            self._pos = kind_at + 16
            return name, b"regular", self._base + end + 16
        for kind, token in _KIND_TOKENS:
            if buf.startswith(token, kind_at):
                self._pos = kind_at + len(token)
                return name, kind, self._base + end + 16
        return None

    def _file_event(self, node_offset: int) -> FileEvent:
        buf, pos = self._buf, self._pos
        if buf.startswith(_CONTENTS, pos) and len(buf) >= pos + 24:
            executable = False
            size = _U64.unpack_from(buf, pos + 16)[0]
            self._pos = pos + 24
        elif buf.startswith(_EXECUTABLE_CONTENTS, pos) and len(buf) >= pos + 56:
            executable = True
            size = _U64.unpack_from(buf, pos + 48)[0]
            self._pos = pos + 56
        else:
            tag = self._read_tag((b"executable", b"contents"))
            executable = tag == b"executable"
            if executable:
                self._expect(_EXECUTABLE_TOKENS)
            size = _U64.unpack(self._read(8))[0]
        event = FileEvent(self, self._path, node_offset, executable, size, self._base + self._pos)
        self._file = event
        self._remaining = size
        return event

    def _finish_file(self, in_directory: bool) -> bool:
        """Skip what the consumer left of the contents, then check padding and ')'.

        Return whether the ')' closing the file's entry was read too (it usually follows).
        """
        event = self._file
        assert event is not None
        if self._remaining:
            self._skip(self._remaining)
        self._file = None
        pad = -event.size & 7
        if in_directory and self._buf.startswith(_PADDED_CLOSE_CLOSE[pad], self._pos):
            self._pos += pad + 32
            return True
        if self._buf.startswith(_PADDED_CLOSE[pad], self._pos):
            self._pos += pad + 16
            return False
        if pad:
            start = self.offset
            padding = self._read(pad)
            if padding.count(0) != pad:
                self._fail("non-zero padding after file contents", start)
        self._expect(_CLOSE_TOKENS)
        return False

    def _symlink(self, node_offset: int) -> SymlinkEvent:
        self._expect((b"target",))
        start = self.offset
        target = self._read_string(MAX_TARGET_LEN, "symlink target")
        reason = invalid_target_reason(target)
        if reason:
            self._fail(reason, start)
        self._expect(_CLOSE_TOKENS)
        return SymlinkEvent(self._path, node_offset, target)

    def _read_name(self, last: bytes | None) -> bytes:
        start = self.offset
        name = self._read_string(MAX_NAME_LEN, "entry name")
        reason = invalid_name_reason(name)
        if reason:
            self._fail(reason, start)
        if last is not None and name <= last:
            if name == last:
                self._fail(f"duplicate entry {quote_bytes(name)}", start)
            self._fail(
                f"entries out of order: {quote_bytes(name)} after {quote_bytes(last)}", start
            )
        return name

    def _finish_nar(self) -> None:
        if self._expect_eof and (len(self._buf) > self._pos or self._read_source(1)):
            self._fail("trailing data after the end of the NAR")

    # -- tokens ----------------------------------------------------------------------------

    def _read_tag(self, choices: tuple[bytes, ...], what: str = "tag") -> bytes:
        """Read a string that must be one of ``choices``."""
        start = self.offset
        length = _U64.unpack(self._read(8))[0]
        if length > _LONGEST_TAG:
            found = f"a string of {length} bytes"
        else:
            padded = self._read(length + padding_len(length))
            tag = padded[:length]
            if tag not in choices:
                found = quote_bytes(tag)
            elif padded.count(0, length) != len(padded) - length:
                self._fail(f"non-zero padding after {quote_bytes(tag)}", start + 8 + length)
            else:
                return tag
        if what == "node type":
            self._fail(f"unknown node type {found}", start)
        expected = " or ".join(map(quote_bytes, choices))
        self._fail(f"expected {what} {expected}, found {found}", start)

    def _read_string(self, limit: int, what: str) -> bytes:
        """Read a variable string of at most ``limit`` bytes, checking its padding."""
        start = self.offset
        length = _U64.unpack(self._read(8))[0]
        if length > limit:
            self._fail(f"{what} is {length} bytes, longer than {limit}", start)
        pad = padding_len(length)
        padded = self._read(length + pad)
        if pad and padded.count(0, length) != pad:
            self._fail(f"non-zero padding after {what}", start + 8 + length)
        return padded[:length] if pad else padded

    def _expect(self, tags: tuple[bytes, ...]) -> None:
        """Read exactly the strings ``tags``; say which one differs, and how, if not."""
        expected = _encoded(tags)
        if not self._buf.startswith(expected, self._pos) and not (
            self._fill(len(expected)) and self._buf.startswith(expected, self._pos)
        ):
            self._diagnose(tags)
        self._pos += len(expected)

    def _diagnose(self, tags: tuple[bytes, ...]) -> NoReturn:
        """Say how the bytes at the reader's position differ from the strings ``tags``."""
        start = self.offset
        position = 0
        for tag in tags:
            token = encode_string(tag)
            self._fill(position + len(token))
            piece = self._buf[self._pos + position : self._pos + position + len(token)]
            if piece == token:
                position += len(token)
                continue
            at = start + position
            expected = quote_bytes(tag)
            if tag == _MAGIC_TAG:
                self._fail("not a NAR: it does not start with 'nix-archive-1'", at)
            if len(piece) < 8:
                self._fail(f"NAR ends early, expected {expected}", at + len(piece))
            length = _U64.unpack(piece[:8])[0]
            if length > _LONGEST_SHOWN:
                self._fail(f"expected {expected}, found a string of {length} bytes", at)
            self._fill(position + 8 + length)  # only to say what was there
            first = self._pos + position + 8
            found = self._buf[first : first + length]
            if len(found) < length:
                self._fail(f"NAR ends early, expected {expected}", at + 8 + len(found))
            if found != tag:
                self._fail(f"expected {expected}, found {quote_bytes(found)}", at)
            if len(piece) < len(token):
                self._fail(f"NAR ends early, in the padding of {expected}", at + len(piece))
            self._fail(f"non-zero padding after {expected}", at + 8 + length)
        raise AssertionError("diagnosed a mismatch that is not there")  # pragma: no cover

    # -- bytes -----------------------------------------------------------------------------

    def _fill(self, n: int) -> bool:
        """Have at least ``n`` bytes buffered from the reader's position; False at the end."""
        buf = self._buf
        have = len(buf) - self._pos
        if have >= n:
            return True
        parts = [buf[self._pos :]]
        self._base += self._pos
        self._pos = 0
        while have < n:
            more = self._read_source(max(n - have, self._readahead))
            if not more:
                break
            parts.append(more)
            have += len(more)
        self._buf = b"".join(parts)
        return have >= n

    def _read(self, n: int) -> bytes:
        pos = self._pos
        if len(self._buf) - pos < n:
            if not self._fill(n):
                self._fail("NAR ends early", self._base + len(self._buf))
            pos = self._pos
        self._pos = pos + n
        return self._buf[pos : pos + n]

    def _drop_buffer(self) -> bytes:
        """Hand over what is buffered, so that the source is next read at the reader's place."""
        rest = self._buf[self._pos :]
        self._base += len(self._buf)
        self._buf = b""
        self._pos = 0
        return rest

    def _read_direct(self, n: int) -> bytes:
        """Exactly ``n`` bytes from the source itself (the buffer is empty).

        The source is asked for at most a chunk at a time: ``n`` comes from the NAR, and a
        hostile length must meet the end of the stream, not an OverflowError or a read()
        that allocates it up front (buffered files do).
        """
        data = self._read_source(min(n, CHUNK_SIZE))
        if len(data) < n:
            parts = [data]
            have = len(data)
            while have < n and (more := self._read_source(min(n - have, CHUNK_SIZE))):
                parts.append(more)
                have += len(more)
            data = b"".join(parts)
            if have < n:
                self._fail("NAR ends early", self._base + have)
        self._base += n
        return data

    def _skip(self, n: int) -> None:
        buffered = len(self._buf) - self._pos
        if n <= buffered:
            self._pos += n
            self._remaining = 0
            return
        self._drop_buffer()
        n -= buffered
        if self._seekable and n >= _SEEK_THRESHOLD:
            seek = self._source.seek  # type: ignore[attr-defined]
            here = seek(0, io.SEEK_CUR)
            end = seek(0, io.SEEK_END)
            if end - here < n:  # a seek past the end would hide the truncation
                self._fail("NAR ends early", self._base + max(end - here, 0))
            seek(here + n, io.SEEK_SET)
            self._base += n
        else:
            while n:
                step = min(n, CHUNK_SIZE)
                self._read_direct(step)
                n -= step
        self._remaining = 0

    def _read_contents(self, event: FileEvent, size: int) -> bytes:
        if event is not self._file:
            raise NarError(
                "file contents read after the reader moved past the file",
                self.offset,
                display_path(event.path),
            )
        n = self._remaining if size < 0 else min(size, self._remaining)
        if n == 0:
            return b""
        pos = self._pos
        if len(self._buf) - pos >= n:
            self._pos = pos + n
            data = self._buf[pos : pos + n]
        else:
            head = self._drop_buffer()
            tail = self._read_direct(n - len(head))
            data = head + tail if head else tail
        self._remaining -= n
        return data

    def _copy_contents(self, event: FileEvent, fd: int) -> None:
        if event is not self._file:
            raise NarError(
                "file contents read after the reader moved past the file",
                self.offset,
                display_path(event.path),
            )
        n = self._remaining
        pos = self._pos
        buffered = min(len(self._buf) - pos, n)
        if buffered:
            _write_all(fd, memoryview(self._buf)[pos : pos + buffered])
            self._pos = pos + buffered
            self._remaining = n = n - buffered
        if not n:
            return
        self._drop_buffer()
        if self._fd is not None:
            copied = _kernel_copy(self._fd, fd, n)
            self._base += copied
            self._remaining = n = n - copied
        # Whatever the kernel did not copy (none of it, or up to a truncation) is read: a
        # NAR that ends early fails there, naming the offset.
        while n:
            data = self._read_direct(min(n, CHUNK_SIZE))
            _write_all(fd, data)
            self._remaining = n = n - len(data)

    def _fail(self, message: str, offset: int | None = None) -> NoReturn:
        raise NarError(message, self.offset if offset is None else offset, display_path(self._path))


#: What copy_file_range and splice fail with where they do not apply (another file system,
#: a kind of file they do not take, an old kernel): the caller then copies by reading.
_NO_KERNEL_COPY: Final = frozenset(
    {errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF, errno.ESPIPE}
)


def _kernel_copy(source: int, target: int, n: int) -> int:
    """Copy up to ``n`` bytes from ``source``'s position to ``target``'s, in the kernel;
    returns how many were copied (fewer at the end of the source, or none where the kernel
    cannot copy between these two)."""
    copied = 0
    for copy in (_copy_file_range, _splice):
        try:
            while copied < n:
                step = copy(source, target, min(n - copied, 1 << 30))
                if step == 0:
                    return copied
                copied += step
            return copied
        except OSError as exc:
            if exc.errno not in _NO_KERNEL_COPY:
                raise
            if copied:
                return copied
    return copied


def _copy_file_range(source: int, target: int, n: int) -> int:
    return os.copy_file_range(source, target, n)


def _splice(source: int, target: int, n: int) -> int:
    return os.splice(source, target, n)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_ENCODED: dict[tuple[bytes, ...], bytes] = {}


def _encoded(tags: tuple[bytes, ...]) -> bytes:
    encoded = _ENCODED.get(tags)
    if encoded is None:
        encoded = _ENCODED[tags] = b"".join(map(encode_string, tags))
    return encoded


def _can_seek(source: Readable) -> bool:
    seekable = getattr(source, "seekable", None)
    try:
        return bool(seekable is not None and seekable())
    except (OSError, ValueError):
        return False
