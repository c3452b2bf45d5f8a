"""The framing every message of the daemon protocol is built from.

Everything on the wire is a sequence of little-endian unsigned 64-bit words. A byte string is
its length as one word, then the bytes, then zero bytes up to the next multiple of 8. A
collection is its element count, then the elements. A boolean is a word that is 0 or 1.

Decoding is written once, as small *plans*: generators that yield how many bytes they need
next and receive exactly those bytes. :class:`WireReader` drives a plan from a blocking binary
stream and :class:`AsyncWireReader` from an :class:`asyncio.StreamReader`, so both readers
apply the same checks (lengths, padding, limits) and report the same byte offsets. Encoding is
plain functions returning bytes, shared by :class:`WireWriter` and :class:`AsyncWireWriter`.

Framed streams (``FramedSource``/``FramedSink`` in C++ Nix) carry data whose length is not known
in advance: chunks of ``<u64 length><bytes>`` *without* padding, ended by a zero length.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Final, Protocol, TypeVar

from nix_compat.errors import WireError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ITEMS",
    "AsyncWireReader",
    "AsyncWireWriter",
    "BinaryReadable",
    "BinaryWritable",
    "FramedReader",
    "FramedWriter",
    "WireReader",
    "WireWriter",
    "encode_bool",
    "encode_bytes",
    "encode_str",
    "encode_strings",
    "encode_u64",
    "padding_len",
]

#: The longest byte string a reader accepts unless told otherwise (protects against a hostile
#: length word making us allocate or wait for gigabytes).
DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024
#: The most elements a collection may announce unless told otherwise.
DEFAULT_MAX_ITEMS: Final = 1 << 24

_U64: Final = struct.Struct("<Q")
_U64_MAX: Final = (1 << 64) - 1
_ZERO_PAD: Final = bytes(8)

T = TypeVar("T")

#: A decoding step: yields byte counts, receives those bytes, returns the decoded value.
Plan = Generator[int, bytes, T]


class _PlanError(Exception):
    """Raised inside a plan; the driver turns it into a WireError at the last chunk's offset."""


class BinaryReadable(Protocol):
    """Anything with ``read(n)`` returning at most ``n`` bytes, ``b''`` at end of stream."""

    def read(self, n: int, /) -> bytes: ...


class BinaryWritable(Protocol):
    """Anything with ``write(data)`` that takes all of ``data`` (files, ``socket.makefile``)."""

    def write(self, data: bytes, /) -> object: ...


# -- encoding --------------------------------------------------------------------------------


def padding_len(length: int) -> int:
    """How many zero bytes follow a byte string of ``length`` bytes."""
    return -length % 8


def encode_u64(value: int) -> bytes:
    if not 0 <= value <= _U64_MAX:
        raise WireError(f"integer {value} does not fit in an unsigned 64-bit word")
    return _U64.pack(value)


def encode_bool(value: bool) -> bytes:
    return _U64.pack(1 if value else 0)


def encode_bytes(data: bytes) -> bytes:
    return b"".join((_U64.pack(len(data)), data, _ZERO_PAD[: padding_len(len(data))]))


def encode_str(text: str) -> bytes:
    """Strings are UTF-8; lone surrogates from undecodable input turn back into their bytes."""
    return encode_bytes(text.encode("utf-8", "surrogateescape"))


def encode_strings(items: Iterable[str | bytes]) -> bytes:
    encoded = [encode_bytes(i) if isinstance(i, bytes) else encode_str(i) for i in items]
    return encode_u64(len(encoded)) + b"".join(encoded)


# -- decoding plans --------------------------------------------------------------------------


def _u64_plan() -> Plan[int]:
    value: int = _U64.unpack((yield 8))[0]
    return value


def _bool_plan() -> Plan[bool]:
    value = yield from _u64_plan()
    if value > 1:
        raise _PlanError(f"boolean must be 0 or 1, not {value}")
    return value == 1


def _count_plan(what: str, limit: int) -> Plan[int]:
    count = yield from _u64_plan()
    if count > limit:
        raise _PlanError(f"{what} of {count} exceeds the limit of {limit}")
    return count


def _bytes_plan(limit: int) -> Plan[bytes]:
    length = yield from _count_plan("string length", limit)
    data = (yield length) if length else b""
    pad = padding_len(length)
    if pad and (yield pad) != _ZERO_PAD[:pad]:
        raise _PlanError("non-zero padding after string")
    return data


def _str_plan(limit: int) -> Plan[str]:
    data = yield from _bytes_plan(limit)
    return data.decode("utf-8", "surrogateescape")


def _strings_plan(item_limit: int, count_limit: int) -> Plan[list[str]]:
    count = yield from _count_plan("collection size", count_limit)
    items = []
    for _ in range(count):
        items.append((yield from _str_plan(item_limit)))
    return items


def _str_map_plan(item_limit: int, count_limit: int) -> Plan[dict[str, str]]:
    count = yield from _count_plan("map size", count_limit)
    result: dict[str, str] = {}
    for _ in range(count):
        key = yield from _str_plan(item_limit)
        result[key] = yield from _str_plan(item_limit)
    return result


class _PlanDriver:
    """The state both readers share: the byte offset and the limits."""

    def __init__(self, offset: int, max_bytes: int, max_items: int) -> None:
        self.offset = offset
        self.max_bytes = max_bytes
        self.max_items = max_items

    def _truncated(self, wanted: int, got: int) -> WireError:
        return WireError(
            f"unexpected end of stream: wanted {wanted} more bytes, got {got}",
            self.offset + got,
        )


# -- blocking reader -------------------------------------------------------------------------


class WireReader(_PlanDriver):
    """Reads protocol values from a blocking binary stream, counting the bytes it consumes.

    Every error is a :class:`WireError` whose offset is where the bad item (a length word, a
    padding, a boolean) starts, or where the stream ended early.
    """

    def __init__(
        self,
        stream: BinaryReadable,
        *,
        offset: int = 0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_items: int = DEFAULT_MAX_ITEMS,
    ) -> None:
        super().__init__(offset, max_bytes, max_items)
        self._stream = stream

    def read_exact(self, n: int) -> bytes:
        """Exactly ``n`` raw bytes; short reads are retried, end of stream is an error."""
        data = self._stream.read(n)
        if len(data) < n:
            parts = [data]
            got = len(data)
            while got < n:
                more = self._stream.read(n - got)
                if not more:
                    raise self._truncated(n, got)
                parts.append(more)
                got += len(more)
            data = b"".join(parts)
        self.offset += n
        return data

    def read_u64_or_eof(self) -> int | None:
        """A word, or None when the stream ends cleanly before it (a peer hanging up between
        messages rather than in the middle of one)."""
        first = self._stream.read(8)
        if not first:
            return None
        self.offset += len(first)
        rest = self.read_exact(8 - len(first)) if len(first) < 8 else b""
        value: int = _U64.unpack(first + rest)[0]
        return value

    def read_some(self, n: int) -> bytes:
        """Up to ``n`` raw bytes, ``b''`` at the end of the stream: for handing the stream on
        to a reader of another format (a NAR) that reports truncation its own way."""
        data = self._stream.read(n)
        self.offset += len(data)
        return data

    def _run(self, plan: Plan[T]) -> T:
        start = self.offset
        try:
            need = next(plan)
            while True:
                start = self.offset
                need = plan.send(self.read_exact(need))
        except StopIteration as done:
            result: T = done.value
            return result
        except _PlanError as e:
            raise WireError(str(e), start) from None

    def read_u64(self) -> int:
        return self._run(_u64_plan())

    def read_bool(self) -> bool:
        return self._run(_bool_plan())

    def read_count(self, what: str = "collection size") -> int:
        """An element count, checked against ``max_items`` before anything is allocated."""
        return self._run(_count_plan(what, self.max_items))

    def read_bytes(self, max_len: int | None = None) -> bytes:
        return self._run(_bytes_plan(self.max_bytes if max_len is None else max_len))

    def read_str(self, max_len: int | None = None) -> str:
        return self._run(_str_plan(self.max_bytes if max_len is None else max_len))

    def read_strings(self) -> list[str]:
        return self._run(_strings_plan(self.max_bytes, self.max_items))

    def read_str_map(self) -> dict[str, str]:
        return self._run(_str_map_plan(self.max_bytes, self.max_items))

    def read_list(self, read_item: Callable[[], T]) -> list[T]:
        """A counted collection whose elements ``read_item`` decodes."""
        return [read_item() for _ in range(self.read_count())]


# -- blocking writer -------------------------------------------------------------------------


class WireWriter:
    """Buffers protocol values and sends them to a stream on :meth:`flush`.

    Buffering matters: a request is many small words, and the peer only acts once it has all of
    them, so they go out in one write. Large payloads flush by themselves past ``high_water``.
    """

    def __init__(self, stream: BinaryWritable, *, high_water: int = 64 * 1024) -> None:
        self._stream = stream
        self._buffer = bytearray()
        self._high_water = high_water

    def write_raw(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= self._high_water:
            self.flush()

    def write_u64(self, value: int) -> None:
        self.write_raw(encode_u64(value))

    def write_bool(self, value: bool) -> None:
        self.write_raw(encode_bool(value))

    def write_bytes(self, data: bytes) -> None:
        self.write_raw(encode_bytes(data))

    def write_str(self, text: str) -> None:
        self.write_raw(encode_str(text))

    def write_strings(self, items: Iterable[str | bytes]) -> None:
        self.write_raw(encode_strings(items))

    def write_str_map(self, mapping: Mapping[str, str]) -> None:
        self.write_u64(len(mapping))
        for key, value in mapping.items():
            self.write_str(key)
            self.write_str(value)

    def flush(self) -> None:
        if self._buffer:
            data = bytes(self._buffer)
            self._buffer.clear()
            self._stream.write(data)
        flush = getattr(self._stream, "flush", None)
        if flush is not None:
            flush()


# -- framed streams --------------------------------------------------------------------------


class FramedReader:
    """The data of a framed stream, read as a file: ``read(n)`` returns ``b''`` at its end.

    :meth:`drain` skips what the consumer left, so that the connection stays in step even when
    the consumer stopped early (C++ Nix's ``FramedSource`` does the same when destroyed).
    """

    def __init__(self, reader: WireReader, *, max_frame: int = DEFAULT_MAX_BYTES) -> None:
        self._reader = reader
        self._max_frame = max_frame
        self._pending = b""
        self._pos = 0
        self._eof = False

    @property
    def at_end(self) -> bool:
        return self._eof

    def _next_frame(self) -> None:
        start = self._reader.offset
        length = self._reader.read_u64()
        if length > self._max_frame:
            raise WireError(
                f"frame of {length} bytes exceeds the limit of {self._max_frame}", start
            )
        if length == 0:
            self._eof = True
            self._pending = b""
        else:
            self._pending = self._reader.read_exact(length)
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            return self.read_all()
        while not self._eof and self._pos >= len(self._pending):
            self._next_frame()
        chunk = self._pending[self._pos : self._pos + n]
        self._pos += len(chunk)
        return chunk

    def read_all(self) -> bytes:
        parts = []
        while chunk := self.read(1 << 20):
            parts.append(chunk)
        return b"".join(parts)

    def drain(self) -> None:
        while not self._eof:
            self._next_frame()


class FramedWriter:
    """Writes a framed stream: each :meth:`write` becomes one frame; :meth:`close` ends it."""

    def __init__(self, writer: WireWriter, *, frame_size: int = 64 * 1024) -> None:
        self._writer = writer
        self._frame_size = frame_size
        self._closed = False

    def write(self, data: bytes) -> int:
        if self._closed:
            raise WireError("write to a framed stream that was already ended")
        for start in range(0, len(data), self._frame_size):
            chunk = data[start : start + self._frame_size]
            self._writer.write_u64(len(chunk))
            self._writer.write_raw(chunk)
        return len(data)

    def close(self) -> None:
        """End the stream (a zero-length frame) and flush it to the peer."""
        if not self._closed:
            self._closed = True
            self._writer.write_u64(0)
            self._writer.flush()

    def __enter__(self) -> FramedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- asyncio flavour -------------------------------------------------------------------------


class AsyncWireReader(_PlanDriver):
    """The same decoding as :class:`WireReader`, over an :class:`asyncio.StreamReader`."""

    def __init__(
        self,
        stream: asyncio.StreamReader,
        *,
        offset: int = 0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_items: int = DEFAULT_MAX_ITEMS,
    ) -> None:
        super().__init__(offset, max_bytes, max_items)
        self._stream = stream

    async def read_exact(self, n: int) -> bytes:
        try:
            data = await self._stream.readexactly(n)
        except asyncio.IncompleteReadError as e:
            raise self._truncated(n, len(e.partial)) from None
        self.offset += n
        return data

    async def _run(self, plan: Plan[T]) -> T:
        start = self.offset
        try:
            need = next(plan)
            while True:
                start = self.offset
                need = plan.send(await self.read_exact(need))
        except StopIteration as done:
            result: T = done.value
            return result
        except _PlanError as e:
            raise WireError(str(e), start) from None

    async def read_u64(self) -> int:
        return await self._run(_u64_plan())

    async def read_bool(self) -> bool:
        return await self._run(_bool_plan())

    async def read_count(self, what: str = "collection size") -> int:
        return await self._run(_count_plan(what, self.max_items))

    async def read_bytes(self, max_len: int | None = None) -> bytes:
        return await self._run(_bytes_plan(self.max_bytes if max_len is None else max_len))

    async def read_str(self, max_len: int | None = None) -> str:
        return await self._run(_str_plan(self.max_bytes if max_len is None else max_len))

    async def read_strings(self) -> list[str]:
        return await self._run(_strings_plan(self.max_bytes, self.max_items))

    async def read_str_map(self) -> dict[str, str]:
        return await self._run(_str_map_plan(self.max_bytes, self.max_items))


class AsyncWireWriter:
    """The same encoding as :class:`WireWriter`, over an :class:`asyncio.StreamWriter`."""

    def __init__(self, stream: asyncio.StreamWriter) -> None:
        self._stream = stream

    def write_raw(self, data: bytes) -> None:
        self._stream.write(data)

    def write_u64(self, value: int) -> None:
        self._stream.write(encode_u64(value))

    def write_bool(self, value: bool) -> None:
        self._stream.write(encode_bool(value))

    def write_bytes(self, data: bytes) -> None:
        self._stream.write(encode_bytes(data))

    def write_str(self, text: str) -> None:
        self._stream.write(encode_str(text))

    def write_strings(self, items: Iterable[str | bytes]) -> None:
        self._stream.write(encode_strings(items))

    def write_str_map(self, mapping: Mapping[str, str]) -> None:
        self.write_u64(len(mapping))
        for key, value in mapping.items():
            self.write_str(key)
            self.write_str(value)

    async def flush(self) -> None:
        await self._stream.drain()
