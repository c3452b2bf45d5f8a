"""Copying exactly one NAR off a connection (NarFromPath, and AddToStoreNar before 1.23).

A NAR travels with no length in front of it: only its grammar says where it ends. So it is read
with :class:`~nix_compat.nar.NarReader` (which validates it and never reads past its end)
through a tee that hands every byte on as it goes by.

One wrinkle of the daemon: when dumping a path fails, it has already sent ``STDERR_LAST`` and
the start of the NAR, and its error record lands where the next NAR token should be. No NAR
token can start with that word, so where the reader stumbles on it, the record is read and
raised as :class:`~nix_compat.errors.DaemonError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from nix_compat.errors import NarError, NixCompatError
from nix_compat.nar.reader import NarReader
from nix_compat.wire.handshake import ProtocolVersion
from nix_compat.wire.primitives import WireReader, encode_u64
from nix_compat.wire.stderr import StderrCode, read_error

__all__ = ["copy_nar"]

#: How much of what was read lately is kept, to look back at where the reader failed.
_TAIL: Final = 4096
_ERROR_WORD: Final = encode_u64(StderrCode.ERROR)


class _Tee:
    """A readable over the connection that passes what it reads to ``sink``."""

    def __init__(self, reader: WireReader, sink: Callable[[bytes], object]) -> None:
        self.reader = reader
        self.sink = sink
        self.consumed = 0
        self.tail = b""

    def read(self, n: int, /) -> bytes:
        data = self.reader.read_some(n)
        if data:
            self.sink(data)
            self.consumed += len(data)
            self.tail = (self.tail + data)[-_TAIL:]
        return data

    def bytes_from(self, offset: int) -> bytes | None:
        """What was read from NAR offset ``offset`` on, if it is still in the tail."""
        start = self.consumed - len(self.tail)
        return self.tail[offset - start :] if offset >= start else None


class _Chain:
    """Some bytes already read, then the rest of the connection."""

    def __init__(self, head: bytes, reader: WireReader) -> None:
        self.head = head
        self.reader = reader

    def read(self, n: int, /) -> bytes:
        if self.head:
            data, self.head = self.head[:n], self.head[n:]
            return data
        return self.reader.read_some(n)


def _daemon_error(tee: _Tee, error: NarError, version: ProtocolVersion) -> NixCompatError | None:
    """The daemon's error record where the NAR broke off, if that is what is there."""
    if error.offset is None:
        return None
    rest = tee.bytes_from(error.offset)
    if rest is None or not rest.startswith(_ERROR_WORD):
        return None
    record = WireReader(_Chain(rest[8:], tee.reader), offset=tee.reader.offset)
    try:
        return read_error(record, version).to_exception()
    except NixCompatError as e:
        return e


def copy_nar(
    reader: WireReader,
    sink: Callable[[bytes], object],
    *,
    errors_from: ProtocolVersion | None = None,
) -> int:
    """Pass one whole NAR from ``reader`` to ``sink`` in pieces; return its size in bytes.

    A malformed NAR raises :class:`~nix_compat.errors.NarError` (offsets count from the NAR's
    start). With ``errors_from`` (the protocol version), a daemon error record in place of the
    NAR's next token raises :class:`~nix_compat.errors.DaemonError` instead.
    """
    tee = _Tee(reader, sink)
    nar = NarReader(tee, expect_eof=False)
    try:
        for _event in nar:
            pass  # file contents the loop does not read are skipped, through the tee
    except NarError as e:
        if errors_from is not None and (daemon_error := _daemon_error(tee, e, errors_from)):
            raise daemon_error from None
        raise
    return nar.offset
