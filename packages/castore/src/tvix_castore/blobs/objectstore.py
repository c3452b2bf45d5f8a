"""Blobs in an object store (local files, S3, GCS, Azure, memory) through obstore.

The layout follows Tvix's object store backend: each chunk is an object of its own,
``chunks/b3/<2 hex>/<hex>``, shared by every blob that contains it, and a blob of several
chunks (or none) has a small listing object, ``blobs/b3/<2 hex>/<hex>``, a
``StatBlobResponse`` naming its chunks in order. A blob of exactly one chunk is just that
chunk: small files, the common case, cost one object, not two.
Objects carry a Content-Type; on local files, where the object store library cannot keep one,
it goes into the ``user.mime_type`` extended attribute.

Local files (the embedded default) are written and read with plain system calls rather than
through obstore, whose every call crosses into its runtime and costs several times what the
file operations do: an object is written aside (``<key>#<digits>``, the name obstore gives its
own staged uploads and leaves out of listings), given its type, then renamed into place, so
that it appears whole or not at all. The layout is the same: obstore reads what we write.
"""

from __future__ import annotations

import contextlib
import errno
import io
import itertools
import os
import threading
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import obstore
from obstore.store import LocalStore, MemoryStore, ObjectStore

from tvix_castore.blobs.chunked import ChunkedReader, Chunker, ChunkingParams
from tvix_castore.blobs.service import BlobStat, BlobWriter, ChunkMeta, HashingWriter
from tvix_castore.digest import B3Digest, BytesLike
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
_WRITE_FLAGS: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
_READ_FLAGS: Final = os.O_RDONLY | os.O_CLOEXEC
_LATER_READS: Final = 1 << 20
#: Threads of a service storing chunks, and chunks of one blob in flight at most.
_UPLOADERS: Final = 2
_IN_FLIGHT: Final = 4
#: Chunks of one blob fetched ahead of the reader from a remote object store.
_REMOTE_AHEAD: Final = 4
#: Distinct suffixes for the files written aside, within this process (with its pid, across).
_STAGED = itertools.count()


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


def _read_all(fd: int) -> bytes:
    """All of an open file's bytes. Objects are mostly small files, read whole many times
    over when NARs are rendered: plain reads spare the file object. Asking for one byte more
    than the file holds tells its end without another read."""
    want = os.fstat(fd).st_size + 1
    data = os.read(fd, want)
    if len(data) < want:
        return data
    pieces = [data]  # the file grew since: read on to its end
    while piece := os.read(fd, _LATER_READS):
        pieces.append(piece)
    return b"".join(pieces)


class _ObjectStoreWriter(HashingWriter):
    def __init__(self, service: ObjectStoreBlobService):
        super().__init__()
        self._service = service
        self._chunker: Chunker | None = None
        self._pending: list[bytes] = []  # written, not yet given to the chunker
        self._pending_size = 0
        self._chunks: list[ChunkMeta] = []
        self._uploading: deque[Future[ChunkMeta]] = deque()

    def _take(self, data: memoryview) -> None:
        # Small blobs (most files) never reach the chunker: their bytes are kept until
        # ``_commit``, where a blob no larger than a chunk's minimum is its one chunk.
        if self._chunker is None:
            if self._pending_size + len(data) <= self._service.chunking.min_size:
                self._pending.append(bytes(data))
                self._pending_size += len(data)
                return
            self._chunker = Chunker(self._service.chunking)
            for piece in self._pending:  # less than a chunk: nothing is cut yet
                self._chunker.push(piece)
            self._pending = []
        for chunk in self._chunker.push(data):
            self._upload_later(chunk)

    def _upload(self, chunk: BytesLike, digest: B3Digest | None = None) -> ChunkMeta:
        if digest is None:
            digest = B3Digest.of(chunk)
        self._service._put(object_key("chunks", digest), chunk, CHUNK_CONTENT_TYPE)
        return ChunkMeta(digest, len(chunk))

    def _upload_later(self, chunk: BytesLike) -> None:
        """Hash and store a chunk on the service's upload threads, while this one goes on
        cutting (a few chunks in flight at most)."""
        while len(self._uploading) >= _IN_FLIGHT:
            self._chunks.append(self._uploading.popleft().result())
        self._uploading.append(self._service._uploads().submit(self._upload, chunk))

    def _commit(self, digest: B3Digest) -> None:
        if self._chunker is None and self._pending_size:
            # The whole blob is one chunk (a FastCDC cut never falls below the minimum), whose
            # digest is the blob's: no second hash.
            self._chunks.append(self._upload(b"".join(self._pending), digest))
            self._pending = []
            return
        for chunk in self._chunker.finish() if self._chunker is not None else ():
            self._upload_later(chunk)
        while self._uploading:
            self._chunks.append(self._uploading.popleft().result())
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
        for upload in self._uploading:
            upload.cancel()
        self._uploading.clear()
        self._chunks = []
        self._pending = []


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
        self._root = None if local_root is None else os.fspath(local_root)
        self._upload_pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @classmethod
    def local(cls, root: str | os.PathLike[str], **kwargs: Any) -> ObjectStoreBlobService:
        path = Path(root).absolute()
        path.mkdir(parents=True, exist_ok=True)
        return cls(LocalStore(path, mkdir=True), local_root=path, **kwargs)

    @classmethod
    def memory(cls, **kwargs: Any) -> ObjectStoreBlobService:
        return cls(MemoryStore(), **kwargs)

    def _uploads(self) -> ThreadPoolExecutor:
        """The threads that store the chunks of large blobs (made on first use)."""
        with self._lock:
            if self._upload_pool is None:
                self._upload_pool = ThreadPoolExecutor(
                    _UPLOADERS, thread_name_prefix="chunk-upload"
                )
            return self._upload_pool

    # Object access -------------------------------------------------------------------
    def _put(self, key: str, data: BytesLike, kind: str) -> None:
        if self._root is not None:
            self._put_local(key, data, kind)
            return
        try:
            obstore.put(self.store, key, data, attributes={"Content-Type": kind})
        except STORE_ERRORS as exc:
            raise BlobServiceError(f"object store: writing {key}: {exc}") from None

    def _put_local(self, key: str, data: BytesLike, kind: str) -> None:
        path = f"{self._root}/{key}"
        staged = ""
        try:
            fd = -1
            while fd < 0:
                staged = f"{path}#{os.getpid()}{next(_STAGED)}"
                try:
                    fd = os.open(staged, _WRITE_FLAGS, 0o644)
                except FileExistsError:
                    continue  # left by another process: another suffix
                except FileNotFoundError:
                    staged = ""
                    os.makedirs(path.rpartition("/")[0], exist_ok=True)  # a key's first folder
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                try:
                    os.setxattr(fd, _XATTR, kind.encode())
                except OSError as exc:  # a file system without user xattrs keeps the bytes
                    if exc.errno not in (errno.ENOTSUP, errno.EPERM):
                        raise
            finally:
                os.close(fd)
            os.rename(staged, path)
        except BaseException as exc:
            if staged:
                with contextlib.suppress(OSError):
                    os.unlink(staged)
            if isinstance(exc, OSError):
                raise BlobServiceError(f"object store: writing {key}: {exc}") from None
            raise

    def _get(self, key: str) -> bytes | None:
        if self._root is not None:
            try:
                fd = os.open(f"{self._root}/{key}", _READ_FLAGS)
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise BlobServiceError(f"object store: reading {key}: {exc}") from None
            try:
                return _read_all(fd)
            except OSError as exc:
                raise BlobServiceError(f"object store: reading {key}: {exc}") from None
            finally:
                os.close(fd)
        try:
            return bytes(obstore.get(self.store, key).bytes())
        except FileNotFoundError:
            return None
        except STORE_ERRORS as exc:
            raise BlobServiceError(f"object store: reading {key}: {exc}") from None

    def _size(self, key: str) -> int | None:
        """The object's size, or None when there is none."""
        if self._root is not None:
            try:
                return os.stat(f"{self._root}/{key}").st_size
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise BlobServiceError(f"object store: looking up {key}: {exc}") from None
        try:
            return int(obstore.head(self.store, key)["size"])
        except FileNotFoundError:
            return None
        except STORE_ERRORS as exc:
            raise BlobServiceError(f"object store: looking up {key}: {exc}") from None

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
        return (
            self._size(object_key("blobs", digest)) is not None
            or self._size(object_key("chunks", digest)) is not None
        )

    def stat(self, digest: B3Digest) -> BlobStat | None:
        chunks = self._listing(digest)
        if chunks is not None:
            return BlobStat(chunks, sum(c.size for c in chunks))
        size = self._size(object_key("chunks", digest))
        return None if size is None else BlobStat((), size)

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
            # The listing is this store's own record, written once the whole blob had been
            # hashed, so the chunks it names are checked as they are read and the whole is
            # not hashed again: a second pass over every byte would double the cost of a
            # read. (A listing from elsewhere, a gRPC server's, is checked whole as well.)
            # Remote chunks are fetched ahead, a few at a time, to hide each request's
            # latency. Local ones are not: reading a file is quick, and the digest check,
            # which holds the interpreter lock, gains nothing from another thread.
            ahead = 0 if self._root is not None else _REMOTE_AHEAD
            return io.BufferedReader(ChunkedReader(chunks, self._fetch_chunk, prefetch=ahead))
        got = B3Digest.of(data)
        if got != digest:
            raise BlobCorruptError(digest, got)
        return io.BytesIO(data)

    def open_write(self) -> BlobWriter:
        return _ObjectStoreWriter(self)

    def close(self) -> None:
        with self._lock:
            pool, self._upload_pool = self._upload_pool, None
        if pool is not None:
            pool.shutdown(wait=True)
