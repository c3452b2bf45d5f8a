"""Serving castore over gRPC, on a Unix socket or TCP.

Making a server, adding services to it and starting it are separate steps, so one process
can serve castore beside other services (tvix-store's daemon adds PathInfo to the same
server): :func:`make_server`, then :func:`add_castore_services` and whatever else, then
:func:`start`. :func:`serve` does the three for castore alone.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import grpc

from tvix_castore.blobs.grpc import GrpcBlobServicer
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.grpc import GrpcDirectoryServicer
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import CompositionError
from tvix_castore.grpc_channel import add_service, make_server
from tvix_castore.protos import rpc_blobstore_pb2, rpc_directory_pb2

__all__ = ["RunningServer", "add_castore_services", "make_server", "parse_listen", "serve", "start"]


@dataclass
class RunningServer:
    """A started server; ``url`` is the address clients use (with the port chosen)."""

    server: grpc.Server
    url: str

    def stop(self, grace: float | None = 1.0) -> None:
        self.server.stop(grace).wait()

    def serve_until_signalled(self) -> None:
        """Serve until SIGINT or SIGTERM (a command's main loop), then stop gracefully."""
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        self.stop()


def add_castore_services(
    server: grpc.Server, blobs: BlobService, directories: DirectoryService
) -> None:
    """Serve ``tvix.castore.v1``'s BlobService and DirectoryService on ``server``."""
    add_service(
        server,
        rpc_blobstore_pb2.DESCRIPTOR.services_by_name["BlobService"],
        GrpcBlobServicer(blobs),
    )
    add_service(
        server,
        rpc_directory_pb2.DESCRIPTOR.services_by_name["DirectoryService"],
        GrpcDirectoryServicer(directories),
    )


def parse_listen(listen: str) -> tuple[str, str]:
    """The gRPC bind address for ``listen`` (``unix:/path``, ``unix:///path``,
    ``grpc+unix:///path``, ``host:port``, ``grpc+http://host:port``; port 0 picks a free one),
    and the host clients connect to, refusing what gRPC would silently mistake."""
    for prefix in ("grpc+unix://", "unix://"):
        if listen.startswith(prefix):
            listen = "unix:" + listen.removeprefix(prefix)
    if listen.startswith("unix:"):
        if listen == "unix:":
            raise CompositionError(listen, "needs a socket path")
        return listen, ""
    listen = listen.removeprefix("grpc+http://")
    try:
        parts = urlsplit(f"//{listen}")
        port = parts.port
    except ValueError:
        raise CompositionError(listen, "the port must be a number from 0 to 65535") from None
    if port is None or not parts.hostname or not listen.rsplit(":", 1)[1].isdigit():
        raise CompositionError(listen, "expected host:port or unix:/path/to/socket")
    return listen, listen.rsplit(":", 1)[0]


def start(server: grpc.Server, listen: str) -> RunningServer:
    """Bind ``server`` to ``listen`` (see :func:`parse_listen`) and start it."""
    address, host = parse_listen(listen)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as exc:
        raise CompositionError(listen, f"cannot listen: {exc}") from None
    server.start()
    if address.startswith("unix:"):
        return RunningServer(server, "grpc+unix://" + address.removeprefix("unix:"))
    return RunningServer(server, f"grpc+http://{host}:{port}")


def serve(blobs: BlobService, directories: DirectoryService, listen: str) -> RunningServer:
    """Start serving castore alone on ``listen`` (see :func:`parse_listen`)."""
    server = make_server()
    add_castore_services(server, blobs, directories)
    return start(server, listen)
