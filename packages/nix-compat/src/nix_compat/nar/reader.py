"""Reading a NAR as a stream of events, validating it strictly on the way.

:class:`NarReader` turns a byte stream into events: :class:`DirectoryStart`,
:class:`DirectoryEnd`, :class:`SymlinkEvent` and :class:`FileEvent`, in NAR order (a directory's
entries between its start and end). A file's contents are not read until asked for
(:meth:`FileEvent.read`, :meth:`FileEvent.chunks`); what is left unread is skipped when the
reader moves on, by seeking when the stream can. So no file is ever held whole in memory.

Only the canonical NAR is accepted (see :mod:`nix_compat.nar.format`): a wrong magic, an
unknown tag or node type, entries that are unsorted, duplicated or illegally named, non-zero
padding, a truncated stream and data after the NAR each raise one :class:`NarError` that gives
the byte offset and the path of the entry being read. The reader never reads past the end of
the NAR, so a NAR embedded in a longer stream (the daemon protocol) can be read with
``expect_eof=False``.
"""

from __future__ import annotations

import io
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

_U64: Final = struct.Struct("<Q")
_MAGIC_TAG: Final = b"nix-archive-1"
_CLOSE: Final = encode_string(b")")
_NODE_START_TOKENS: Final = (b"(", b"type")
_ENTRY_TOKENS: Final = (b"(", b"name")
_NODE_TOKENS: Final = (b"node", b"(", b"type")
_EXECUTABLE_TOKENS: Final = (b"", b"contents")
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
        self._expect_eof = expect_eof
        self._offset = 0
        self._path = b""
        self._file: FileEvent | None = None
        self._remaining = 0
        self._events = self._parse()

    @property
    def offset(self) -> int:
        """Bytes of the stream consumed so far."""
        return self._offset

    def __iter__(self) -> NarReader:
        return self

    def __next__(self) -> NarEvent:
        return next(self._events)

    # -- the grammar -----------------------------------------------------------------------

    def _parse(self) -> Iterator[NarEvent]:
        self._expect((_MAGIC_TAG, *_NODE_START_TOKENS))
        stack: list[tuple[bytes, bytes | None]] = []  # (directory path, last entry name)
        while True:
            node_offset = self._offset - 32  # the node's "(" and "type" were just read
            kind = self._read_tag((b"regular", b"symlink", b"directory"), "node type")
            if kind == b"directory":
                yield DirectoryStart(self._path, node_offset)
                stack.append((self._path, None))
            elif kind == b"regular":
                yield self._file_event(node_offset)
                self._finish_file()
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
                    self._expect((b")",))  # closes the entry the node belonged to
                directory, last = stack[-1]
                self._path = directory
                tag_offset = self._offset
                if self._read_tag((b"entry", b")")) == b")":
                    stack.pop()
                    yield DirectoryEnd(directory, tag_offset)
                    node_done = True
                    continue
                self._expect(_ENTRY_TOKENS)
                name = self._read_name(last)
                stack[-1] = (directory, name)
                self._path = join_path(directory, name)
                if len(self._path) > MAX_PATH_LEN:
                    self._fail(f"entry path is longer than {MAX_PATH_LEN} bytes")
                self._expect(_NODE_TOKENS)
                break

    def _file_event(self, node_offset: int) -> FileEvent:
        tag = self._read_tag((b"executable", b"contents"))
        executable = tag == b"executable"
        if executable:
            self._expect(_EXECUTABLE_TOKENS)
        size = _U64.unpack(self._read(8))[0]
        event = FileEvent(self, self._path, node_offset, executable, size, self._offset)
        self._file = event
        self._remaining = size
        return event

    def _finish_file(self) -> None:
        """Skip what the consumer left of the contents, then check padding and ')'."""
        event = self._file
        assert event is not None
        if self._remaining:
            self._skip(self._remaining)
        self._file = None
        pad = padding_len(event.size)
        if pad:
            start = self._offset
            padding = self._read(pad)
            if padding.count(0) != pad:
                self._fail("non-zero padding after file contents", start)
        self._expect((b")",))

    def _symlink(self, node_offset: int) -> SymlinkEvent:
        self._expect((b"target",))
        start = self._offset
        target = self._read_string(MAX_TARGET_LEN, "symlink target")
        reason = invalid_target_reason(target)
        if reason:
            self._fail(reason, start)
        self._expect((b")",))
        return SymlinkEvent(self._path, node_offset, target)

    def _read_name(self, last: bytes | None) -> bytes:
        start = self._offset
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
        if self._expect_eof and self._read_source(1):
            self._fail("trailing data after the end of the NAR")

    # -- tokens ----------------------------------------------------------------------------

    def _read_tag(self, choices: tuple[bytes, ...], what: str = "tag") -> bytes:
        """Read a string that must be one of ``choices``."""
        start = self._offset
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
        start = self._offset
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
        start = self._offset
        data = self._read_source(len(expected))
        if data == expected:
            self._offset += len(data)
            return
        if len(data) < len(expected):
            data = self._read_rest(data, len(expected))
        if data == expected:
            self._offset += len(data)
            return
        self._diagnose(tags, data, start)

    def _diagnose(self, tags: tuple[bytes, ...], data: bytes, start: int) -> NoReturn:
        position = 0
        for tag in tags:
            token = encode_string(tag)
            piece = data[position : position + len(token)]
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
            found = data[position + 8 : position + 8 + length]
            if len(found) < length:  # read the rest, only to say what was there
                found += self._read_rest(b"", length - len(found))
            if len(found) < length:
                self._fail(f"NAR ends early, expected {expected}", at + 8 + len(found))
            if found != tag:
                self._fail(f"expected {expected}, found {quote_bytes(found)}", at)
            if len(piece) < len(token):
                self._fail(f"NAR ends early, in the padding of {expected}", start + len(data))
            self._fail(f"non-zero padding after {expected}", at + 8 + length)
        raise AssertionError("diagnosed a mismatch that is not there")  # pragma: no cover

    # -- bytes -----------------------------------------------------------------------------

    def _read(self, n: int) -> bytes:
        data = self._read_source(n)
        if len(data) != n:
            data = self._read_rest(data, n)
            if len(data) != n:
                self._fail("NAR ends early", self._offset + len(data))
        self._offset += n
        return data

    def _read_rest(self, data: bytes, n: int) -> bytes:
        """Complete a short read; streams such as pipes may return less than asked."""
        parts = [data]
        have = len(data)
        while have < n:
            more = self._read_source(n - have)
            if not more:
                break
            parts.append(more)
            have += len(more)
        return b"".join(parts)

    def _skip(self, n: int) -> None:
        if self._seekable and n >= _SEEK_THRESHOLD:
            seek = self._source.seek  # type: ignore[attr-defined]
            here = seek(0, io.SEEK_CUR)
            end = seek(0, io.SEEK_END)
            if end - here < n:  # a seek past the end would hide the truncation
                self._fail("NAR ends early", self._offset + max(end - here, 0))
            seek(here + n, io.SEEK_SET)
            self._offset += n
            self._remaining = 0
            return
        while n:
            step = min(n, CHUNK_SIZE)
            self._read(step)
            n -= step
            self._remaining = n

    def _read_contents(self, event: FileEvent, size: int) -> bytes:
        if event is not self._file:
            raise NarError(
                "file contents read after the reader moved past the file",
                self._offset,
                display_path(event.path),
            )
        n = self._remaining if size < 0 else min(size, self._remaining)
        if n == 0:
            return b""
        data = self._read(n)
        self._remaining -= n
        return data

    def _fail(self, message: str, offset: int | None = None) -> NoReturn:
        raise NarError(
            message, self._offset if offset is None else offset, display_path(self._path)
        )


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
