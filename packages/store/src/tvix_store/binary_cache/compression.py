"""The compressions of a binary cache's NAR files, by the names narinfo files give them.

Reading is streamed (a file-like object over the compressed stream), so a NAR of any size
passes through in bounded memory; writing likewise. ``Compression:`` absent from a narinfo
means bzip2, as C++ Nix reads it (:data:`nix_compat.narinfo.DEFAULT_COMPRESSION`).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable
from typing import IO, Final, cast

import brotli  # type: ignore[import-untyped]
import zstandard

from tvix_store.errors import BinaryCacheError

__all__ = ["EXTENSIONS", "Compressor", "compressor", "decompressing_reader"]

#: The file name ending of ``nar/`` files by compression, as ``nix copy --to`` names them.
EXTENSIONS: Final = {
    "none": ".nar",
    "xz": ".nar.xz",
    "bzip2": ".nar.bz2",
    "zstd": ".nar.zst",
    "br": ".nar.br",
    "gzip": ".nar.gz",
}


class _BrotliReader(io.RawIOBase):
    """brotli has no stream reader of its own: feed its decompressor from the source."""

    def __init__(self, source: IO[bytes]):
        self._source = source
        self._decompressor = brotli.Decompressor()
        self._pending = b""
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._pending and not self._ended:
            piece = self._source.read(1 << 16)
            if not piece:
                if not self._decompressor.is_finished():
                    raise BinaryCacheError("brotli stream", "ends early")
                self._ended = True
                break
            try:
                self._pending = self._decompressor.process(piece)
            except brotli.error as exc:
                raise BinaryCacheError("brotli stream", f"corrupt: {exc}") from None
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


# The readers live as long as the download they wrap: no context manager can hold them.
_READERS: Final[dict[str, Callable[[IO[bytes]], IO[bytes]]]] = {
    "none": lambda source: source,
    "xz": lambda source: lzma.LZMAFile(source),  # noqa: SIM115
    "bzip2": lambda source: bz2.BZ2File(source),
    "gzip": lambda source: cast("IO[bytes]", gzip.GzipFile(fileobj=source)),
    "zstd": lambda source: zstandard.ZstdDecompressor().stream_reader(
        source, read_across_frames=True, closefd=False
    ),
    "br": lambda source: io.BufferedReader(_BrotliReader(source)),
}

#: What the decompressors raise for a corrupt or truncated stream.
_DECOMPRESSION_ERRORS: Final = (
    lzma.LZMAError,
    zlib.error,
    OSError,
    EOFError,
    zstandard.ZstdError,
    ValueError,
)


class _CheckedReader(io.RawIOBase):
    """A decompressing reader whose failures are BinaryCacheErrors naming the file."""

    def __init__(self, inner: IO[bytes], where: str):
        self._inner = inner
        self._where = where

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except BinaryCacheError as exc:
            raise BinaryCacheError(self._where, exc.reason) from None
        except _DECOMPRESSION_ERRORS as exc:
            raise BinaryCacheError(self._where, f"cannot decompress: {exc}") from None
        buffer[: len(data)] = data
        return len(data)


def decompressing_reader(source: IO[bytes], compression: str, where: str) -> IO[bytes]:
    """The uncompressed bytes of ``source`` (``where`` names it in errors)."""
    make = _READERS.get(compression)
    if make is None:
        raise BinaryCacheError(where, f"unknown compression '{compression}'")
    if compression == "none":
        return source
    return io.BufferedReader(_CheckedReader(make(source), where), 1 << 16)


class Compressor:
    """Compresses a stream piece by piece: ``compress`` each piece, then ``flush``."""

    def __init__(self, compress: Callable[[bytes], bytes], flush: Callable[[], bytes]):
        self.compress = compress
        self.flush = flush


def compressor(compression: str) -> Compressor:
    """A compressor for the ``nar/`` files of a cache written with ``?compression=``."""
    if compression == "none":
        return Compressor(lambda data: data, lambda: b"")
    if compression == "xz":
        xz = lzma.LZMACompressor(lzma.FORMAT_XZ, check=lzma.CHECK_CRC64)
        return Compressor(xz.compress, xz.flush)
    if compression == "bzip2":
        bzip = bz2.BZ2Compressor()
        return Compressor(bzip.compress, bzip.flush)
    if compression == "zstd":
        zstd = zstandard.ZstdCompressor(level=3).compressobj()
        return Compressor(zstd.compress, zstd.flush)
    if compression == "br":
        br = brotli.Compressor()
        return Compressor(br.process, br.finish)
    if compression == "gzip":
        deflate = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return Compressor(deflate.compress, deflate.flush)
    raise BinaryCacheError("compression", f"unknown compression '{compression}'")
