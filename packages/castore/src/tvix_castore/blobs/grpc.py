"""The blob service over gRPC (``tvix.castore.v1.BlobService``): client and server side.

The client trusts nothing it receives: a chunked blob is read chunk by chunk, each chunk
checked against its digest before use, and the whole against the blob's digest; a blob sent
whole is hashed as it streams and fails at its end if it does not match. The server refuses
malformed digests and throws away a partial upload when the client goes away.
"""

from __future__ import annotations

import contextlib
import io
import queue
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

import grpc

from tvix_castore.blobs.chunked import ChunkedReader
from tvix_castore.blobs.service import BlobService, BlobStat, BlobWriter, ChunkMeta, HashingWriter
from tvix_castore.digest import B3Digest, hasher
from tvix_castore.errors import (
    BlobCorruptError,
    BlobNotFoundError,
    BlobServiceError,
    CastoreError,
    DigestError,
)
from tvix_castore.grpc_channel import Undecodable, client_stayed, decoded
from tvix_castore.protos import rpc_blobstore_pb2 as pb
from tvix_castore.protos import rpc_blobstore_pb2_grpc as pb_grpc

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["GrpcBlobService", "GrpcBlobServicer"]

#: Size of the pieces a blob is streamed in (well under gRPC's message limit).
PIECE: Final = 1024 * 1024


def _error(exc: grpc.RpcError, digest: B3Digest | None = None) -> CastoreError:
    code = exc.code() if isinstance(exc, grpc.Call) else None
    if code == grpc.StatusCode.NOT_FOUND and digest is not None:
        return BlobNotFoundError(digest)
    details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
    return BlobServiceError(f"gRPC blob service: {code.name if code else 'error'}: {details}")


class _StreamReader(io.RawIOBase):
    """Reads a blob sent whole; seeking backwards restarts the stream."""

    def __init__(self, service: GrpcBlobService, digest: B3Digest):
        super().__init__()
        self._service = service
        self._digest = digest
        self._pos = 0
        self._open()

    def _open(self) -> None:
        self._stream: Iterator[pb.BlobChunk] = self._service._stub.Read(
            pb.ReadBlobRequest(digest=self._digest)
        )
        self._buffer = b""
        self._stream_pos = 0
        self._hasher = hasher()
        self._done = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            while True:
                self._stream_pos += len(self._buffer)
                self._buffer = b""
                if not self._fill():
                    break
            target = self._stream_pos + offset
        else:
            target = offset + (self._pos if whence == io.SEEK_CUR else 0)
        if target < 0:
            raise ValueError(f"seek to negative position {target}")
        self._pos = target
        return target

    def _fill(self) -> bool:
        """Fetch the next piece into the buffer; False at the (verified) end."""
        if self._done:
            return False
        try:
            piece = next(self._stream).data
        except StopIteration:
            self._done = True
            got = B3Digest(self._hasher.digest())
            if got != self._digest:
                raise BlobCorruptError(self._digest, got) from None
            return False
        except grpc.RpcError as exc:
            raise _error(exc, self._digest) from None
        self._hasher.update(piece)
        self._buffer = piece
        return True

    def readinto(self, buffer: Buffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._pos < self._stream_pos:
            self._open()
        while True:
            end = self._stream_pos + len(self._buffer)
            if self._stream_pos <= self._pos < end:
                start = self._pos - self._stream_pos
                n = min(len(view), end - self._pos)
                view[:n] = self._buffer[start : start + n]
                self._pos += n
                return n
            self._stream_pos = end
            self._buffer = b""
            if not self._fill():
                return 0


class _GrpcWriter(HashingWriter):
    """Streams pieces to a Put call running on a helper thread."""

    def __init__(self, service: GrpcBlobService):
        super().__init__()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
        self._result: dict[str, object] = {}
        self._call = service._stub.Put.future(self._requests())
        self._pending = bytearray()

    def _requests(self) -> Iterator[pb.BlobChunk]:
        while (piece := self._queue.get()) is not None:
            yield pb.BlobChunk(data=piece)

    def _send(self, data: bytes) -> None:
        while True:
            if self._call.done():
                break  # the call failed; close() reports it
            try:
                self._queue.put(data, timeout=0.5)
                return
            except queue.Full:
                continue

    def _take(self, data: memoryview) -> None:
        self._pending += data
        while len(self._pending) >= PIECE:
            self._send(bytes(self._pending[:PIECE]))
            del self._pending[:PIECE]

    def _commit(self, digest: B3Digest) -> None:
        if self._pending:
            self._send(bytes(self._pending))
            self._pending.clear()
        self._send_end()
        try:
            response = self._call.result()
        except grpc.RpcError as exc:
            raise _error(exc) from None
        try:
            theirs = B3Digest(response.digest)
        except DigestError as exc:
            raise BlobServiceError(f"gRPC blob service answered a bad digest: {exc}") from None
        if theirs != digest:
            raise BlobServiceError(f"sent bytes hashing to {digest}, server stored {theirs}")

    def _send_end(self) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=30)

    def _discard(self) -> None:
        self._call.cancel()


class GrpcBlobService:
    """A BlobService backed by a remote ``tvix.castore.v1.BlobService``."""

    def __init__(self, channel: grpc.Channel):
        self._channel = channel
        self._stub = pb_grpc.BlobServiceStub(channel)

    def _stat(self, digest: B3Digest) -> pb.StatBlobResponse | None:
        try:
            return self._stub.Stat(pb.StatBlobRequest(digest=digest, send_chunks=True))
        except grpc.RpcError as exc:
            if isinstance(exc, grpc.Call) and exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise _error(exc) from None

    def has(self, digest: B3Digest) -> bool:
        return self._stat(digest) is not None

    def stat(self, digest: B3Digest) -> BlobStat | None:
        response = self._stat(digest)
        if response is None:
            return None
        try:
            chunks = tuple(ChunkMeta(B3Digest(c.digest), c.size) for c in response.chunks)
        except DigestError as exc:
            raise BlobServiceError(f"blob {digest}: bad chunk list from server: {exc}") from None
        return BlobStat(chunks, sum(c.size for c in chunks) if chunks else None)

    def read_chunk(self, digest: B3Digest) -> bytes:
        """One chunk's bytes, without asking for a chunk list first."""
        try:
            return b"".join(r.data for r in self._stub.Read(pb.ReadBlobRequest(digest=digest)))
        except grpc.RpcError as exc:
            raise _error(exc, digest) from None

    def open_read(self, digest: B3Digest) -> io.BufferedIOBase:
        stat = self.stat(digest)
        if stat is None:
            raise BlobNotFoundError(digest)
        if len(stat.chunks) > 1:
            return io.BufferedReader(
                ChunkedReader(stat.chunks, self.read_chunk, digest, prefetch=4)
            )
        return io.BufferedReader(_StreamReader(self, digest), buffer_size=PIECE)

    def open_write(self) -> BlobWriter:
        return _GrpcWriter(self)

    def close(self) -> None:
        self._channel.close()


class GrpcBlobServicer(pb_grpc.BlobServiceServicer):
    """Serves a BlobService as ``tvix.castore.v1.BlobService``."""

    def __init__(self, service: BlobService):
        self._service = service

    @staticmethod
    def _digest(raw: bytes, context: grpc.ServicerContext) -> B3Digest:
        try:
            return B3Digest(raw)
        except DigestError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"digest: {exc}")
            raise  # abort raises; this keeps type checkers informed

    def Stat(
        self, request: pb.StatBlobRequest | Undecodable, context: grpc.ServicerContext
    ) -> pb.StatBlobResponse:
        request = decoded(request, context)
        digest = self._digest(request.digest, context)
        try:
            stat = self._service.stat(digest)
        except CastoreError as exc:
            context.abort(grpc.StatusCode.INTERNAL, str(exc))
        if stat is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"blob {digest} not found")
        response = pb.StatBlobResponse()
        if request.send_chunks and len(stat.chunks) > 1:
            for chunk in stat.chunks:
                response.chunks.add(digest=chunk.digest, size=chunk.size)
        return response

    def Read(
        self, request: pb.ReadBlobRequest | Undecodable, context: grpc.ServicerContext
    ) -> Iterator[pb.BlobChunk]:
        request = decoded(request, context)
        digest = self._digest(request.digest, context)
        try:
            reader = self._service.open_read(digest)
        except BlobNotFoundError:
            context.abort(grpc.StatusCode.NOT_FOUND, f"blob {digest} not found")
        except CastoreError as exc:
            context.abort(grpc.StatusCode.INTERNAL, str(exc))
        with reader:
            while True:
                try:
                    piece = reader.read(PIECE)
                except BlobCorruptError as exc:
                    context.abort(grpc.StatusCode.DATA_LOSS, str(exc))
                except CastoreError as exc:
                    context.abort(grpc.StatusCode.INTERNAL, str(exc))
                if not piece:
                    return
                yield pb.BlobChunk(data=piece)

    def Put(
        self,
        request_iterator: Iterator[pb.BlobChunk | Undecodable],
        context: grpc.ServicerContext,
    ) -> pb.PutBlobResponse:
        """Store the pieces as one blob, or nothing at all.

        Every way out but success is a status, never an exception escaping to grpcio (which
        would log a traceback and answer UNKNOWN): a client that went away, or whose stream
        grpcio ended because a piece could not be decoded, is answered CANCELLED; a backend
        failure INTERNAL with its message."""
        writer = self._service.open_write()
        try:
            for piece in request_iterator:
                if isinstance(piece, Undecodable):
                    writer.abort()
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"not a {piece.message}")
                writer.write(piece.data)
            if not client_stayed(context):
                writer.abort()
                context.abort(grpc.StatusCode.CANCELLED, "blob upload: the client went away")
            digest = writer.close()
        except CastoreError as exc:
            writer.abort()
            context.abort(grpc.StatusCode.INTERNAL, f"blob upload: {exc}")
        except BaseException:
            writer.abort()
            raise
        return pb.PutBlobResponse(digest=digest)
