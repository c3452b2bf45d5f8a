"""Copying exactly one NAR off a connection, for NarFromPath.

The daemon sends a NAR with no length in front of it, so the only way to know where it ends is
to follow its grammar (see :mod:`nix_compat.nar.format`). This walks the tokens just enough to
find the end — it checks the structure but not the canonical form (entry order, names), which
is the NAR reader's job once the bytes are out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from nix_compat.errors import WireError
from nix_compat.nar.format import MAX_TARGET_LEN, padding_len
from nix_compat.wire.handshake import ProtocolVersion
from nix_compat.wire.primitives import WireReader
from nix_compat.wire.stderr import StderrCode, read_error

__all__ = ["copy_nar"]

_MAGIC: Final = b"nix-archive-1"
_CHUNK: Final = 64 * 1024
#: Tokens followed by a value that must not be taken for a parenthesis.
_WITH_VALUE: Final = frozenset({b"type", b"name", b"target", b"executable"})
_KEYWORDS: Final = frozenset({b"regular", b"symlink", b"directory", b"entry", b"node"})


class _Copier:
    def __init__(
        self,
        reader: WireReader,
        sink: Callable[[bytes], object],
        version: ProtocolVersion | None,
    ) -> None:
        self.reader = reader
        self.sink = sink
        self.copied = 0
        self.version = version

    def raw(self, n: int) -> bytes:
        data = self.reader.read_exact(n)
        self.sink(data)
        self.copied += n
        return data

    def length(self, limit: int, what: str) -> int:
        start = self.reader.offset
        word = self.reader.read_exact(8)
        length = int.from_bytes(word, "little")
        if length == StderrCode.ERROR and self.version is not None and limit < length:
            raise read_error(self.reader, self.version).to_exception()
        self.sink(word)
        self.copied += 8
        if length > limit:
            raise WireError(f"NAR {what} of {length} bytes is longer than {limit}", start)
        return length

    def padding(self, length: int) -> None:
        pad = padding_len(length)
        if pad:
            start = self.reader.offset
            if self.raw(pad) != bytes(pad):
                raise WireError("non-zero padding in NAR", start)

    def token(self) -> bytes:
        length = self.length(MAX_TARGET_LEN, "token")
        data = self.raw(length)
        self.padding(length)
        return data

    def blob(self) -> None:
        length = self.length((1 << 63) - 1, "file")
        left = length
        while left:
            left -= len(self.raw(min(left, _CHUNK)))
        self.padding(length)

    def run(self) -> int:
        start = self.reader.offset
        if self.token() != _MAGIC:
            raise WireError("stream is not a NAR (no 'nix-archive-1' magic)", start)
        depth = 0
        while True:
            start = self.reader.offset
            tok = self.token()
            if tok == b"(":
                depth += 1
            elif depth == 0:
                raise WireError(f"NAR node must start with '(', not {tok!r}", start)
            elif tok == b")":
                depth -= 1
                if depth == 0:
                    return self.copied
            elif tok in _WITH_VALUE:
                self.token()
            elif tok == b"contents":
                self.blob()
            elif tok not in _KEYWORDS:
                raise WireError(f"unexpected NAR token {tok!r}", start)


def copy_nar(
    reader: WireReader,
    sink: Callable[[bytes], object],
    *,
    errors_from: ProtocolVersion | None = None,
) -> int:
    """Pass one whole NAR from ``reader`` to ``sink`` in pieces; return its size in bytes.

    With ``errors_from`` (the protocol version), an ``STDERR_ERROR`` record where a NAR token
    should start is read and raised as :class:`~nix_compat.errors.DaemonError`: the daemon
    sends one when dumping fails part-way, its output buffer already holding the NAR's start.
    No token is that long, so the two cannot be confused.
    """
    return _Copier(reader, sink, errors_from).run()
