"""Serving a blob and a directory service over gRPC, on a Unix socket or TCP."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from tvix_castore.blobs.grpc import GrpcBlobServicer
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.grpc import GrpcDirectoryServicer
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import CompositionError
from tvix_castore.grpc_channel import make_server
from tvix_castore.protos import rpc_blobstore_pb2_grpc, rpc_directory_pb2_grpc

__all__ = ["RunningServer", "serve"]


@dataclass
class RunningServer:
    """A started server; ``url`` is the address clients use (with the port chosen)."""

    server: grpc.Server
    url: str

    def stop(self, grace: float | None = 1.0) -> None:
        self.server.stop(grace).wait()


def serve(blobs: BlobService, directories: DirectoryService, listen: str) -> RunningServer:
    """Start serving on ``listen``: ``unix:/path``, ``grpc+unix:///path`` or ``host:port``
    (port 0 picks a free one)."""
    server = make_server()
    rpc_blobstore_pb2_grpc.add_BlobServiceServicer_to_server(GrpcBlobServicer(blobs), server)
    rpc_directory_pb2_grpc.add_DirectoryServiceServicer_to_server(
        GrpcDirectoryServicer(directories), server
    )
    if listen.startswith("grpc+unix://"):
        listen = "unix:" + listen.removeprefix("grpc+unix://")
    elif listen.startswith("grpc+http://"):
        listen = listen.removeprefix("grpc+http://")
    try:
        port = server.add_insecure_port(listen)
    except RuntimeError as exc:
        raise CompositionError(listen, f"cannot listen: {exc}") from None
    server.start()
    if listen.startswith("unix:"):
        url = "grpc+unix://" + listen.removeprefix("unix:")
    else:
        host = listen.rsplit(":", 1)[0]
        url = f"grpc+http://{host}:{port}"
    return RunningServer(server, url)
