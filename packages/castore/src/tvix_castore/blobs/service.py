"""What every blob service offers, and the writer that all backends share.

Blobs are addressed by the blake3 digest of their bytes. A service may keep a blob as a list
of content-defined chunks, each a blob of its own; ``stat`` reports that list so a reader can
fetch, verify and seek chunk by chunk.
"""

from __future__ import annotations

import abc
import io
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from tvix_castore.digest import B3Digest, BytesLike, hasher
from tvix_castore.errors import BlobServiceError
from tvix_castore.upload import Upload

__all__ = ["BlobService", "BlobStat", "BlobWriter", "ChunkMeta", "HashingWriter", "read_all"]


@dataclass(frozen=True, slots=True)
class ChunkMeta:
    """One chunk of a blob: its own digest and length."""

    digest: B3Digest
    size: int


@dataclass(frozen=True, slots=True)
class BlobStat:
    """What is known of a stored blob: its chunks (empty when kept whole) and size if known."""

    chunks: tuple[ChunkMeta, ...] = field(default=())
    size: int | None = None


class BlobWriter(Upload):
    """A streaming upload: ``write`` pieces, then ``close`` to learn the digest.

    Nothing becomes visible before ``close``; ``abort`` (or leaving a ``with`` block through
    an exception) throws the partial upload away.
    """

    @abc.abstractmethod
    def write(self, data: BytesLike) -> int: ...


class HashingWriter(BlobWriter):
    """A writer that hashes as it goes; backends supply ``_take`` and ``_commit``."""

    def __init__(self) -> None:
        self._hasher = hasher()
        self._size = 0
        self._digest: B3Digest | None = None
        self._aborted = False

    @property
    def size(self) -> int:
        return self._size

    def write(self, data: BytesLike) -> int:
        if self._digest is not None or self._aborted:
            raise BlobServiceError("write to a closed blob writer")
        view = memoryview(data).cast("B")
        self._hasher.update(view)
        self._size += len(view)
        self._take(view)
        return len(view)

    def close(self) -> B3Digest:
        if self._aborted:
            raise BlobServiceError("close of an aborted blob writer")
        if self._digest is None:
            digest = B3Digest(self._hasher.digest())
            self._commit(digest)
            self._digest = digest
        return self._digest

    def abort(self) -> None:
        if self._digest is None and not self._aborted:
            self._aborted = True
            self._discard()

    @abc.abstractmethod
    def _take(self, data: memoryview) -> None:
        """Keep the next bytes (already hashed)."""

    @abc.abstractmethod
    def _commit(self, digest: B3Digest) -> None:
        """Make the blob visible under ``digest``."""

    def _discard(self) -> None:
        """Drop whatever was kept; backends with scratch state override it."""


@runtime_checkable
class BlobService(Protocol):
    """A content-addressed blob store (memory, object store, gRPC, a cache of two)."""

    def has(self, digest: B3Digest) -> bool:
        """Whether the blob (or a chunk with that digest) is there."""
        ...

    def stat(self, digest: B3Digest) -> BlobStat | None:
        """The blob's chunk list and size, or None when it is not there."""
        ...

    def open_read(self, digest: B3Digest) -> io.BufferedIOBase:
        """A seekable reader of the blob; raises BlobNotFoundError, and BlobCorruptError
        when the bytes do not match the digest."""
        ...

    def open_write(self) -> BlobWriter:
        """A writer for a new blob."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


def read_all(reader: io.BufferedIOBase) -> bytes:
    """Everything a reader has left (a helper for small blobs)."""
    with reader:
        return reader.read()
