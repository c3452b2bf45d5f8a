"""Blobs in an object store (local files, S3, GCS, Azure, memory) through obstore.

The layout follows Tvix's object store backend: each chunk is an object of its own,
``chunks/b3/<2 hex>/<hex>``, shared by every blob that contains it, and a blob of several
chunks (or none) has a small listing object, ``blobs/b3/<2 hex>/<hex>``, a
``StatBlobResponse`` naming its chunks in order. A blob of exactly one chunk is just that
chunk: small files, the common case, cost one object, not two.
Objects carry a Content-Type; on local files, where the object store library cannot keep one,
it goes into the ``user.mime_type`` extended attribute.
"""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import obstore
from obstore.store import LocalStore, MemoryStore, ObjectStore

from tvix_castore.blobs.chunked import ChunkedReader, Chunker, ChunkingParams
from tvix_castore.blobs.service import BlobStat, BlobWriter, ChunkMeta, HashingWriter
from tvix_castore.digest import B3Digest
from tvix_castore.errors import BlobCorruptError, BlobNotFoundError, BlobServiceError, DigestError
from tvix_castore.object_stores import STORE_ERRORS
from tvix_castore.protos import rpc_blobstore_pb2 as pb

__all__ = [
    "CHUNK_CONTENT_TYPE",
    "LISTING_CONTENT_TYPE",
    "ObjectStoreBlobService",
    "content_type",
    "object_key",
]

LISTING_CONTENT_TYPE: Final = "application/vnd.tvix-castore.blob-chunks+protobuf"
CHUNK_CONTENT_TYPE: Final = "application/vnd.tvix-castore.chunk"
_XATTR: Final = "user.mime_type"


def object_key(kind: str, digest: B3Digest) -> str:
    """Where a blob listing (``blobs``) or a chunk (``chunks``) lives in the store."""
    hexdigest = digest.hex()
    return f"{kind}/b3/{hexdigest[:2]}/{hexdigest}"


def content_type(service: ObjectStoreBlobService, key: str) -> str | None:
    """The Content-Type an object was stored with (from attributes or the xattr)."""
    if service.local_root is not None:
        try:
            return os.getxattr(service.local_root / key, _XATTR).decode()
        except OSError:
            return None
    attributes: Mapping[str, Any] = obstore.get(service.store, key).attributes
    value = attributes.get("Content-Type")
    return None if value is None else str(value)


class _ObjectStoreWriter(HashingWriter):
    def __init__(self, service: ObjectStoreBlobService):
        super().__init__()
        self._service = service
        self._chunker = Chunker(service.chunking)
        self._chunks: list[ChunkMeta] = []

    def _take(self, data: memoryview) -> None:
        for chunk in self._chunker.push(data):
            self._upload(chunk)

    def _upload(self, chunk: bytes) -> None:
        digest = B3Digest.of(chunk)
        self._service._put(object_key("chunks", digest), chunk, CHUNK_CONTENT_TYPE)
        self._chunks.append(ChunkMeta(digest, len(chunk)))

    def _commit(self, digest: B3Digest) -> None:
        for chunk in self._chunker.finish():
            self._upload(chunk)
        if len(self._chunks) == 1:
            return  # a blob of one chunk is that chunk: no listing needed
        listing = pb.StatBlobResponse(
            chunks=[
                pb.StatBlobResponse.ChunkMeta(digest=c.digest, size=c.size) for c in self._chunks
            ]
        )
        # The listing is written last: a blob is visible only once all its chunks are.
        self._service._put(
            object_key("blobs", digest), listing.SerializeToString(), LISTING_CONTENT_TYPE
        )

    def _discard(self) -> None:
        # Chunks already uploaded are content-addressed and harmless; no listing names them.
        self._chunks = []


class ObjectStoreBlobService:
    """Chunked blobs in an obstore store; ``local_root`` is set for local file stores."""

    def __init__(
        self,
        store: ObjectStore,
        *,
        chunking: ChunkingParams | None = None,
        local_root: Path | None = None,
    ):
        self.store = store
        self.chunking = chunking or ChunkingParams()
        self.local_root = local_root

    @classmethod
    def local(cls, root: str | os.PathLike[str], **kwargs: Any) -> ObjectStoreBlobService:
        path = Path(root).absolute()
        path.mkdir(parents=True, exist_ok=True)
        return cls(LocalStore(path, mkdir=True), local_root=path, **kwargs)

    @classmethod
    def memory(cls, **kwargs: Any) -> ObjectStoreBlobService:
        return cls(MemoryStore(), **kwargs)

    # Object access -------------------------------------------------------------------
    def _put(self, key: str, data: bytes, kind: str) -> None:
        try:
            if self.local_root is None:
                obstore.put(self.store, key, data, attributes={"Content-Type": kind})
                return
            obstore.put(self.store, key, data)
        except STORE_ERRORS as exc:
            raise BlobServiceError(f"object store: writing {key}: {exc}") from None
        try:
            os.setxattr(self.local_root / key, _XATTR, kind.encode())
        except OSError as exc:  # a file system without user xattrs keeps the bytes only
            if exc.errno not in (errno.ENOTSUP, errno.EPERM):
                raise BlobServiceError(f"setting the content type of {key}: {exc}") from None

    def _get(self, key: str) -> bytes | None:
        try:
            return bytes(obstore.get(self.store, key).bytes())
        except FileNotFoundError:
            return None
        except STORE_ERRORS as exc:
            raise BlobServiceError(f"object store: reading {key}: {exc}") from None

    def _exists(self, key: str) -> bool:
        try:
            obstore.head(self.store, key)
        except FileNotFoundError:
            return False
        except STORE_ERRORS as exc:
            raise BlobServiceError(f"object store: looking up {key}: {exc}") from None
        return True

    def _listing(self, digest: B3Digest) -> tuple[ChunkMeta, ...] | None:
        raw = self._get(object_key("blobs", digest))
        if raw is None:
            return None
        msg = pb.StatBlobResponse()
        try:
            msg.ParseFromString(raw)
            return tuple(ChunkMeta(B3Digest(c.digest), c.size) for c in msg.chunks)
        except (DigestError, Exception) as exc:
            raise BlobServiceError(f"blob {digest}: corrupt chunk listing: {exc}") from None

    # BlobService -------------------------------------------------------------------------
    def has(self, digest: B3Digest) -> bool:
        return self._exists(object_key("blobs", digest)) or self._exists(
            object_key("chunks", digest)
        )

    def stat(self, digest: B3Digest) -> BlobStat | None:
        chunks = self._listing(digest)
        if chunks is not None:
            return BlobStat(chunks, sum(c.size for c in chunks))
        try:
            meta = obstore.head(self.store, object_key("chunks", digest))
        except FileNotFoundError:
            return None
        except STORE_ERRORS as exc:
            raise BlobServiceError(f"object store: {exc}") from None
        return BlobStat((), int(meta["size"]))

    def _fetch_chunk(self, digest: B3Digest) -> bytes:
        data = self._get(object_key("chunks", digest))
        if data is None:
            raise BlobNotFoundError(digest)
        return data

    def open_read(self, digest: B3Digest) -> io.BufferedIOBase:
        # A chunk (or a one-chunk blob) is read whole; readers of chunked blobs ask for
        # chunks far more often than for listings, so that key is tried first.
        data = self._get(object_key("chunks", digest))
        if data is None:
            chunks = self._listing(digest)
            if chunks is None:
                raise BlobNotFoundError(digest)
            return io.BufferedReader(ChunkedReader(chunks, self._fetch_chunk, digest))
        got = B3Digest.of(data)
        if got != digest:
            raise BlobCorruptError(digest, got)
        return io.BytesIO(data)

    def open_write(self) -> BlobWriter:
        return _ObjectStoreWriter(self)

    def close(self) -> None:
        pass
