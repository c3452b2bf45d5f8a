"""The directory service over gRPC (``tvix.castore.v1.DirectoryService``): both sides.

Both ends check what they receive. The server parses every directory with the data model's
rules and runs the closure checks before its store sees anything. The client checks that a
closure arrives root first, each directory hashing to a digest already referred to, with
sizes as recorded, and nothing missing at the end.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import (
    ClosurePutter,
    DirectoryPutter,
    DirectoryService,
    check_fetched,
)
from tvix_castore.errors import (
    CastoreError,
    ClosureError,
    DigestError,
    DirectoryNotFoundError,
    DirectoryServiceError,
    NodeError,
)
from tvix_castore.grpc_channel import Undecodable, client_stayed, decoded
from tvix_castore.nodes import Directory
from tvix_castore.protos import castore_pb2
from tvix_castore.protos import rpc_directory_pb2 as pb
from tvix_castore.protos import rpc_directory_pb2_grpc as pb_grpc

__all__ = ["GrpcDirectoryService", "GrpcDirectoryServicer"]


def _error(exc: grpc.RpcError) -> DirectoryServiceError:
    if isinstance(exc, grpc.Call):
        return DirectoryServiceError(f"gRPC directory service: {exc.code().name}: {exc.details()}")
    return DirectoryServiceError(f"gRPC directory service: {exc}")


def _not_found(exc: grpc.RpcError) -> bool:
    return isinstance(exc, grpc.Call) and exc.code() == grpc.StatusCode.NOT_FOUND


def _parse(msg: castore_pb2.Directory) -> Directory:
    try:
        return Directory.from_proto(msg)
    except NodeError as exc:
        raise DirectoryServiceError(f"server sent an invalid directory: {exc}") from None


class GrpcDirectoryService:
    """A DirectoryService backed by a remote ``tvix.castore.v1.DirectoryService``."""

    def __init__(self, channel: grpc.Channel):
        self._channel = channel
        self._stub = pb_grpc.DirectoryServiceStub(channel)

    def get(self, digest: B3Digest) -> Directory | None:
        try:
            for msg in self._stub.Get(pb.GetDirectoryRequest(digest=digest, recursive=False)):
                return check_fetched(digest, _parse(msg))
        except grpc.RpcError as exc:
            if _not_found(exc):
                return None
            raise _error(exc) from None
        return None

    def get_recursive(self, root: B3Digest) -> Iterator[Directory]:
        expected: dict[B3Digest, int | None] = {root: None}  # digest -> recorded size
        received: set[B3Digest] = set()
        try:
            for msg in self._stub.Get(pb.GetDirectoryRequest(digest=root, recursive=True)):
                directory = _parse(msg)
                digest = directory.digest
                if digest not in expected or digest in received:
                    raise DirectoryServiceError(
                        f"closure of {root}: server sent {digest}, which nothing sent before "
                        "refers to"
                    )
                size = expected[digest]
                if size is not None and size != directory.size:
                    raise DirectoryServiceError(
                        f"closure of {root}: {digest} has size {directory.size}, not {size}"
                    )
                received.add(digest)
                for _name, child in directory.directories():
                    expected.setdefault(child.digest, child.size)
                yield directory
        except grpc.RpcError as exc:
            if _not_found(exc) and not received:
                raise DirectoryNotFoundError(root) from None
            raise _error(exc) from None
        if not received:
            raise DirectoryNotFoundError(root)
        missing = set(expected) - received
        if missing:
            raise DirectoryServiceError(
                f"closure of {root}: server did not send {sorted(map(str, missing))[0]}"
            )

    def _send(self, closure: list[Directory]) -> None:
        try:
            response = self._stub.Put(iter([d.to_proto() for d in closure]))
        except grpc.RpcError as exc:
            raise _error(exc) from None
        if response.root_digest != closure[-1].digest:
            raise DirectoryServiceError(
                f"server stored root {response.root_digest.hex()}, not {closure[-1].digest}"
            )

    def put(self, directory: Directory) -> B3Digest:
        """Send one directory as a closure of its own: as in Tvix, the server accepts it
        only if it has no subdirectories (send closures with ``put_closure``)."""
        self._send([directory])
        return directory.digest

    def put_closure(self) -> DirectoryPutter:
        return ClosurePutter(self._send)

    def close(self) -> None:
        self._channel.close()


class GrpcDirectoryServicer(pb_grpc.DirectoryServiceServicer):
    """Serves a DirectoryService as ``tvix.castore.v1.DirectoryService``."""

    def __init__(self, service: DirectoryService):
        self._service = service

    def Get(
        self, request: pb.GetDirectoryRequest | Undecodable, context: grpc.ServicerContext
    ) -> Iterator[castore_pb2.Directory]:
        request = decoded(request, context)
        if request.WhichOneof("by_what") != "digest":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "by_what: no digest given")
        try:
            digest = B3Digest(request.digest)
        except DigestError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"digest: {exc}")
        try:
            if not request.recursive:
                found = self._service.get(digest)
                if found is None:
                    context.abort(grpc.StatusCode.NOT_FOUND, f"directory {digest} not found")
                yield found.to_proto()
                return
            for directory in self._service.get_recursive(digest):
                yield directory.to_proto()
        except DirectoryNotFoundError as exc:
            context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
        except CastoreError as exc:
            context.abort(grpc.StatusCode.INTERNAL, str(exc))

    def Put(
        self,
        request_iterator: Iterator[castore_pb2.Directory | Undecodable],
        context: grpc.ServicerContext,
    ) -> pb.PutDirectoryResponse:
        putter = self._service.put_closure()
        index = 0
        try:
            for msg in request_iterator:
                if isinstance(msg, Undecodable):
                    raise ClosureError(f"not a {msg.message} message", index)
                try:
                    putter.put(Directory.from_proto(msg))
                except NodeError as exc:
                    raise ClosureError(str(exc), index) from None
                index += 1
            if not client_stayed(context):
                raise DirectoryServiceError("client went away")
            root = putter.close()
        except ClosureError as exc:
            putter.abort()
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except CastoreError as exc:
            putter.abort()
            context.abort(grpc.StatusCode.INTERNAL, str(exc))
        except BaseException:
            putter.abort()
            raise
        return pb.PutDirectoryResponse(root_digest=root)
