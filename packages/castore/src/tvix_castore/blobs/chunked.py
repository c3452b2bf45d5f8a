"""Content-defined chunking and reading a blob back chunk by chunk.

Chunk boundaries come from FastCDC (pyfastcdc), so they depend only on the bytes around
them: an edit in a large file changes a few chunks and the rest are shared. ``Chunker`` turns
pushed writes into chunks; ``ChunkedReader`` presents a chunk list as one seekable stream that
fetches (and verifies) each chunk only when it is read.
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyfastcdc import FastCDC

from tvix_castore.blobs.service import ChunkMeta
from tvix_castore.digest import B3Digest, BytesLike, hasher
from tvix_castore.errors import BlobCorruptError, CompositionError

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["ChunkedReader", "Chunker", "ChunkingParams"]


@dataclass(frozen=True, slots=True)
class ChunkingParams:
    """FastCDC's sizes, one setting for every chunking backend (``avg_chunk_size`` option)."""

    avg_size: int = 256 * 1024

    def __post_init__(self) -> None:
        if not 1024 <= self.avg_size <= 4 * 1024 * 1024:
            raise CompositionError(
                "avg_chunk_size", f"{self.avg_size} is outside 1024..4194304 bytes"
            )

    @property
    def min_size(self) -> int:
        return self.avg_size // 4

    @property
    def max_size(self) -> int:
        return self.avg_size * 4

    @classmethod
    def from_option(cls, value: str | int | None) -> ChunkingParams:
        """Read the shared ``avg_chunk_size`` option (a URL query value or a config key)."""
        if value is None:
            return cls()
        try:
            return cls(int(value))
        except ValueError:
            raise CompositionError("avg_chunk_size", f"not a number: {value!r}") from None


class Chunker:
    """Cuts a pushed byte stream into FastCDC chunks, holding at most a few chunks' bytes.

    Chunks are handed out as read-only views of an immutable buffer, so they cost no copy and
    stay valid wherever they go (another thread may store them)."""

    def __init__(self, params: ChunkingParams):
        self._cdc = FastCDC(params.avg_size, min_size=params.min_size, max_size=params.max_size)
        self._max = params.max_size
        self._pieces: list[BytesLike] = []
        self._size = 0

    def push(self, data: BytesLike) -> list[memoryview]:
        """Chunks that are final once ``data`` is added (a cut never looks past max_size)."""
        if not (isinstance(data, bytes) or _immutable_view(data)):
            data = bytes(data)  # it may change once we return: keep a copy
        self._pieces.append(data)
        self._size += len(data)
        if self._size < 2 * self._max:
            return []
        return self._cut(final=False)

    def finish(self) -> list[memoryview]:
        """The remaining chunks at the end of the stream."""
        return self._cut(final=True)

    def _cut(self, final: bool) -> list[memoryview]:
        if not self._size:
            return []
        buffer = memoryview(b"".join(self._pieces)).toreadonly()
        chunks = list(self._cdc.cut_buf(buffer))
        keep_from = len(buffer) if final else chunks[-1].offset
        done = [buffer[c.offset : c.offset + c.length] for c in chunks if c.offset < keep_from]
        self._pieces = [buffer[keep_from:]] if keep_from < len(buffer) else []
        self._size = len(buffer) - keep_from
        return done


def _immutable_view(data: BytesLike) -> bool:
    return isinstance(data, memoryview) and isinstance(data.obj, bytes)


class ChunkedReader(io.RawIOBase):
    """A read-only, seekable view of a chunk list; ``fetch`` returns one chunk's bytes.

    Each fetched chunk is checked against its digest before any of it is returned; when the
    blob is read from start to end, the whole is also checked against ``expected`` (a chunk
    list from elsewhere could name the wrong chunks), failing at the end of the stream. With
    ``prefetch``, chunks are fetched and checked ahead on helper threads, and the whole is
    hashed on one more, chunk by chunk in order, so the reader itself only copies.
    """

    def __init__(
        self,
        chunks: Sequence[ChunkMeta],
        fetch: Callable[[B3Digest], bytes],
        expected: B3Digest | None = None,
        prefetch: int = 0,
    ):
        super().__init__()
        self._prefetch = prefetch
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: dict[int, Future[bytes]] = {}
        self._expected = expected
        self._whole = hasher()
        self._hashed = 0  # chunks given to the whole's hash, in order (-1: checked)
        self._hashing: ThreadPoolExecutor | None = None
        self._hash_tail: Future[object] | None = None
        self._chunks = list(chunks)
        self._starts: list[int] = []
        offset = 0
        for chunk in self._chunks:
            self._starts.append(offset)
            offset += chunk.size
        self._length = offset
        self._fetch = fetch
        self._pos = 0
        self._current: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        target = base + offset
        if target < 0:
            raise ValueError(f"seek to negative position {target}")
        self._pos = target
        return target

    def _chunk(self, index: int) -> bytes:
        if self._current is not None and self._current[0] == index:
            return self._current[1]
        future = self._ahead.pop(index, None)
        if self._prefetch:
            # Fetch (and check) the next chunks on helper threads while this one is consumed:
            # remote stores answer one request at a time per call, so a few in flight hide
            # latency, and checking digests there leaves this thread only the copying.
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._prefetch, thread_name_prefix="chunks")
            for stale in [i for i in self._ahead if not index < i <= index + self._prefetch]:
                self._ahead.pop(stale).cancel()
            for ahead in range(index + 1, min(index + 1 + self._prefetch, len(self._chunks))):
                if ahead not in self._ahead:
                    self._ahead[ahead] = self._pool.submit(self._fetch_checked, ahead)
        data = future.result() if future is not None else self._fetch_checked(index)
        self._current = (index, data)
        return data

    def _fetch_checked(self, index: int) -> bytes:
        meta = self._chunks[index]
        data = self._fetch(meta.digest)
        got = B3Digest.of(data)
        if got != meta.digest or len(data) != meta.size:
            raise BlobCorruptError(meta.digest, got, "chunk")
        return data

    def close(self) -> None:
        for future in self._ahead.values():
            future.cancel()
        self._ahead.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._hashing is not None:
            self._hashing.shutdown(wait=False, cancel_futures=True)
            self._hashing = None
        super().close()

    def _hash(self, index: int, data: bytes) -> None:
        """Add chunk ``index`` to the whole's hash if every chunk before it is in."""
        chunks = self._chunks
        while 0 <= self._hashed < index and chunks[self._hashed].size == 0:
            self._hashed += 1  # an empty chunk is never read
        if self._hashed != index:
            return
        self._hashed += 1
        if not self._prefetch:
            self._whole.update(data)
            return
        if self._hashing is None:
            self._hashing = ThreadPoolExecutor(1, thread_name_prefix="chunks-hash")
        self._hash_tail = self._hashing.submit(self._whole.update, data)

    def _check_whole(self) -> None:
        if self._expected is None or self._hashed < 0:
            return
        chunks = self._chunks
        while self._hashed < len(chunks) and chunks[self._hashed].size == 0:
            self._hashed += 1
        if self._hashed == len(chunks):
            if self._hash_tail is not None:
                self._hash_tail.result()
            got = B3Digest(self._whole.digest())
            self._hashed = -1  # checked once
            if got != self._expected:
                raise BlobCorruptError(self._expected, got)

    def readinto(self, buffer: Buffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._pos >= self._length:
            self._check_whole()
            return 0
        if not view:
            return 0
        index = bisect.bisect_right(self._starts, self._pos) - 1
        data = self._chunk(index)
        start = self._pos - self._starts[index]
        if start == 0 and self._expected is not None:
            self._hash(index, data)
        n = min(len(view), len(data) - start)
        view[:n] = memoryview(data)[start : start + n]
        self._pos += n
        if self._pos == self._length:
            self._check_whole()
        return n
