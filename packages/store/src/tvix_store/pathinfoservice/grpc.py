"""The PathInfo service over gRPC (``tvix.store.v1.PathInfoService``): both sides.

Each side checks what it receives with the model's rules (:meth:`PathInfo.from_proto`): a
server refuses an invalid PathInfo with INVALID_ARGUMENT, a client refuses one from the server.
A PathInfo is looked up by its digest only, and the server answers NOT_FOUND when it has none,
which the client turns back into None, as Tvix's client does.

The server decodes requests itself (:func:`add_store_services` registers the methods with
deserializers that hand undecodable bytes on), so bytes that are no message get
INVALID_ARGUMENT like any other bad request, rather than grpcio's INTERNAL and a traceback in
the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, TypeVar

import grpc
from google.protobuf.message import Message
from tvix_castore.errors import BlobCorruptError, CastoreError, NodeError
from tvix_castore.grpc_channel import Undecodable, add_service, decoded
from tvix_castore.nodes import Node, node_from_proto, node_to_proto
from tvix_castore.protos import castore_pb2

from tvix_store.errors import NarRenderError, PathInfoError, PathInfoServiceError, StoreError
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.service import NarCalculationService, PathInfoService
from tvix_store.protos import pathinfo_pb2
from tvix_store.protos import rpc_pathinfo_pb2 as pb
from tvix_store.protos import rpc_pathinfo_pb2_grpc as pb_grpc

__all__ = ["GrpcPathInfoService", "GrpcPathInfoServicer", "add_store_services"]

_DIGEST_SIZE = 20
_SERVICE: Final = pb.DESCRIPTOR.services_by_name["PathInfoService"]

M = TypeVar("M", bound=Message)


def _status_of(exc: StoreError | CastoreError) -> grpc.StatusCode:
    """The status of a backend call's failure: NOT_FOUND for what is not there; for a NAR
    that cannot be rendered, FAILED_PRECONDITION when the node names what castore lacks or
    contradicts (the request's problem, not the server's), DATA_LOSS when castore holds
    corrupt bytes; INTERNAL for a backend that failed."""
    if isinstance(exc, KeyError):
        return grpc.StatusCode.NOT_FOUND
    if isinstance(exc, NarRenderError):
        cause = exc.__cause__
        if cause is None or isinstance(cause, KeyError):
            return grpc.StatusCode.FAILED_PRECONDITION
        if isinstance(cause, BlobCorruptError):
            return grpc.StatusCode.DATA_LOSS
    return grpc.StatusCode.INTERNAL


def _error(where: str, exc: grpc.RpcError) -> PathInfoServiceError:
    if isinstance(exc, grpc.Call):
        error = PathInfoServiceError(where, f"{exc.code().name}: {exc.details()}")
    else:
        error = PathInfoServiceError(where, str(exc))
    error.__cause__ = exc
    return error


class GrpcPathInfoService:
    """A PathInfoService (and NAR calculation) backed by a remote ``PathInfoService``."""

    def __init__(self, channel: grpc.Channel, where: str = "gRPC path info service"):
        self._channel = channel
        self._stub = pb_grpc.PathInfoServiceStub(channel)
        self._where = where

    def _received(self, msg: pathinfo_pb2.PathInfo) -> PathInfo:
        try:
            return PathInfo.from_proto(msg)
        except PathInfoError as exc:
            raise PathInfoServiceError(self._where, f"the server sent an {exc}") from None

    def get(self, digest: bytes) -> PathInfo | None:
        try:
            msg = self._stub.Get(pb.GetPathInfoRequest(by_output_hash=bytes(digest)))
        except grpc.RpcError as exc:
            if isinstance(exc, grpc.Call) and exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise _error(self._where, exc) from None
        info = self._received(msg)
        if info.store_path.digest != bytes(digest):
            raise PathInfoServiceError(
                self._where, f"asked for one path, the server sent {info.store_path}"
            )
        return info

    def put(self, info: PathInfo) -> PathInfo:
        try:
            msg = self._stub.Put(info.to_proto())
        except grpc.RpcError as exc:
            raise _error(self._where, exc) from None
        return self._received(msg)

    def list(self) -> Iterator[PathInfo]:
        try:
            for msg in self._stub.List(pb.ListPathInfoRequest()):
                yield self._received(msg)
        except grpc.RpcError as exc:
            raise _error(self._where, exc) from None

    def calculate_nar(self, node: Node) -> tuple[int, bytes]:
        try:
            answer = self._stub.CalculateNAR(node_to_proto(node))
        except grpc.RpcError as exc:
            raise _error(self._where, exc) from None
        if len(answer.nar_sha256) != 32:
            raise PathInfoServiceError(self._where, "the server sent a NAR hash of the wrong size")
        return answer.nar_size, answer.nar_sha256

    def close(self) -> None:
        self._channel.close()


class GrpcPathInfoServicer(pb_grpc.PathInfoServiceServicer):
    """Serves a PathInfoService, and NAR calculation, as ``tvix.store.v1.PathInfoService``."""

    def __init__(self, service: PathInfoService, nar_calculation: NarCalculationService):
        self._service = service
        self._nar = nar_calculation

    def Get(
        self, request: pb.GetPathInfoRequest | Undecodable, context: grpc.ServicerContext
    ) -> pathinfo_pb2.PathInfo:
        request = decoded(request, context)
        if request.WhichOneof("by_what") != "by_output_hash":
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "only lookups by output hash")
        if len(request.by_output_hash) != _DIGEST_SIZE:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"by_output_hash must be 20 bytes, not {len(request.by_output_hash)}",
            )
        info = self._call(context, self._service.get, request.by_output_hash)
        if info is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no such path")
        return self._call(context, info.to_proto)

    def Put(
        self, request: pathinfo_pb2.PathInfo | Undecodable, context: grpc.ServicerContext
    ) -> pathinfo_pb2.PathInfo:
        request = decoded(request, context)
        try:
            info = PathInfo.from_proto(request)
        except PathInfoError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        return self._call(context, self._call(context, self._service.put, info).to_proto)

    def CalculateNAR(
        self, request: castore_pb2.Node | Undecodable, context: grpc.ServicerContext
    ) -> pb.CalculateNARResponse:
        request = decoded(request, context)
        try:
            _name, node = node_from_proto(request)
        except NodeError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"invalid root node: {exc}")
        size, digest = self._call(context, self._nar.calculate_nar, node)
        return pb.CalculateNARResponse(nar_size=size, nar_sha256=digest)

    def List(
        self, request: pb.ListPathInfoRequest | Undecodable, context: grpc.ServicerContext
    ) -> Iterator[pathinfo_pb2.PathInfo]:
        decoded(request, context)
        infos = self._call(context, self._service.list)
        while True:
            info = self._call(context, next, infos, None)
            if info is None:
                return
            yield self._call(context, info.to_proto)

    @staticmethod
    def _call(context: grpc.ServicerContext, function, *args):  # type: ignore[no-untyped-def]
        """Run a backend call; our errors become gRPC statuses, never a server traceback."""
        try:
            return function(*args)
        except (StoreError, CastoreError) as exc:
            context.abort(_status_of(exc), str(exc))


def add_store_services(
    server: grpc.Server, service: PathInfoService, nar_calculation: NarCalculationService
) -> None:
    """Serve ``tvix.store.v1.PathInfoService`` on ``server`` (beside castore's services).

    Undecodable requests are answered INVALID_ARGUMENT by the servicer (castore's
    :func:`~tvix_castore.grpc_channel.add_service`)."""
    add_service(server, _SERVICE, GrpcPathInfoServicer(service, nar_calculation))
