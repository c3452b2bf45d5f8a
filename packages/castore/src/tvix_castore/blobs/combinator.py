"""A blob cache: a near (fast, small) service in front of a far (slow, complete) one."""

from __future__ import annotations

import io
from typing import Final

from tvix_castore.blobs.service import BlobService, BlobStat, BlobWriter
from tvix_castore.digest import B3Digest
from tvix_castore.errors import BlobCorruptError, BlobNotFoundError

__all__ = ["CachedBlobService"]

_COPY_PIECE: Final = 1024 * 1024


class CachedBlobService:
    """Reads try ``near`` first; a miss copies the blob from ``far`` into ``near`` (checked
    against its digest) and reads it there. Writes go to ``far``, the source of truth."""

    def __init__(self, near: BlobService, far: BlobService):
        self.near = near
        self.far = far

    def has(self, digest: B3Digest) -> bool:
        return self.near.has(digest) or self.far.has(digest)

    def stat(self, digest: B3Digest) -> BlobStat | None:
        return self.near.stat(digest) or self.far.stat(digest)

    def _fill(self, digest: B3Digest) -> None:
        with self.far.open_read(digest) as source, self.near.open_write() as sink:
            while piece := source.read(_COPY_PIECE):
                sink.write(piece)
        got = sink.close()
        if got != digest:
            raise BlobCorruptError(digest, got)

    def open_read(self, digest: B3Digest) -> io.BufferedIOBase:
        if not self.near.has(digest):
            if not self.far.has(digest):
                raise BlobNotFoundError(digest)
            self._fill(digest)
        return self.near.open_read(digest)

    def open_write(self) -> BlobWriter:
        return self.far.open_write()

    def close(self) -> None:
        self.near.close()
        self.far.close()
