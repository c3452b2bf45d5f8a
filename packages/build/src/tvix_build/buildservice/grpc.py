"""The build service over gRPC (``tvix.build.v1.BuildService``): both sides.

The server checks each request with the model's rules (:meth:`BuildRequest.from_proto`) and
answers INVALID_ARGUMENT for one that breaks them (or bytes that are no message), ABORTED for
a build that failed (its log in the details), and never a traceback; the client turns those
back into the errors a local service raises, and checks what the server sent.
"""

from __future__ import annotations

from typing import Final

import grpc
from tvix_castore.grpc_channel import Undecodable, add_service, decoded

from tvix_build.buildservice.service import BuildService
from tvix_build.errors import BuildError, BuildFailed, RequestError
from tvix_build.protos import build_pb2
from tvix_build.protos import rpc_build_pb2 as pb
from tvix_build.protos import rpc_build_pb2_grpc as pb_grpc
from tvix_build.request import Build, BuildRequest

__all__ = ["GrpcBuildService", "GrpcBuildServicer", "add_build_service"]

_SERVICE: Final = pb.DESCRIPTOR.services_by_name["BuildService"]
#: How much of a failed build's log travels back in the status details.
_LOG_SHOWN: Final = 64 * 1024


class GrpcBuildService:
    """A BuildService backed by a remote ``tvix.build.v1.BuildService``."""

    def __init__(self, channel: grpc.Channel, where: str = "gRPC build service"):
        self._channel = channel
        self._stub = pb_grpc.BuildServiceStub(channel)
        self._where = where

    def do_build(self, request: BuildRequest) -> Build:
        try:
            answer = self._stub.DoBuild(request.to_proto())
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        try:
            build = Build.from_proto(answer)
        except RequestError as exc:
            raise BuildError(f"{self._where}: the server sent an {exc}") from None
        if build.request != request:
            raise BuildError(f"{self._where}: the server answered for another request")
        return build

    def _error(self, exc: grpc.RpcError) -> BuildError:
        if not isinstance(exc, grpc.Call):
            return BuildError(f"{self._where}: {exc}")
        details = exc.details() or ""
        if exc.code() == grpc.StatusCode.ABORTED:
            reason, _, log = details.partition("\n")
            return BuildFailed(reason, log=log.encode("utf-8", "replace"))
        return BuildError(f"{self._where}: {exc.code().name}: {details}")

    def close(self) -> None:
        self._channel.close()


class GrpcBuildServicer(pb_grpc.BuildServiceServicer):
    """Serves a BuildService as ``tvix.build.v1.BuildService``."""

    def __init__(self, service: BuildService):
        self._service = service

    def DoBuild(
        self, request: build_pb2.BuildRequest | Undecodable, context: grpc.ServicerContext
    ) -> build_pb2.Build:
        message = decoded(request, context)
        try:
            build_request = BuildRequest.from_proto(message)
        except RequestError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        try:
            return self._service.do_build(build_request).to_proto()
        except BuildFailed as failed:
            log = failed.log[-_LOG_SHOWN:].decode("utf-8", "replace")
            context.abort(grpc.StatusCode.ABORTED, f"{failed}\n{log}")
        except BuildError as exc:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))


def add_build_service(server: grpc.Server, service: BuildService) -> None:
    """Serve ``tvix.build.v1.BuildService`` on ``server`` (beside castore's services, from
    which builds read their inputs)."""
    add_service(server, _SERVICE, GrpcBuildServicer(service))
