"""Blobs kept in a dict: for tests, caches and short-lived tools."""

from __future__ import annotations

import io
import threading

from tvix_castore.blobs.service import BlobStat, BlobWriter, HashingWriter
from tvix_castore.digest import B3Digest
from tvix_castore.errors import BlobNotFoundError

__all__ = ["MemoryBlobService"]


class _MemoryWriter(HashingWriter):
    def __init__(self, service: MemoryBlobService):
        super().__init__()
        self._service = service
        self._parts: list[bytes] = []

    def _take(self, data: memoryview) -> None:
        self._parts.append(bytes(data))

    def _commit(self, digest: B3Digest) -> None:
        with self._service._lock:
            self._service._blobs.setdefault(digest, b"".join(self._parts))
        self._parts = []

    def _discard(self) -> None:
        self._parts = []


class MemoryBlobService:
    """Whole blobs in memory, not chunked; safe to share between threads."""

    def __init__(self) -> None:
        self._blobs: dict[B3Digest, bytes] = {}
        self._lock = threading.Lock()

    def has(self, digest: B3Digest) -> bool:
        return digest in self._blobs

    def stat(self, digest: B3Digest) -> BlobStat | None:
        data = self._blobs.get(digest)
        return None if data is None else BlobStat((), len(data))

    def open_read(self, digest: B3Digest) -> io.BufferedIOBase:
        data = self._blobs.get(digest)
        if data is None:
            raise BlobNotFoundError(digest)
        return io.BytesIO(data)

    def open_write(self) -> BlobWriter:
        return _MemoryWriter(self)

    def close(self) -> None:
        pass
