"""gRPC channels and servers from Tvix's addresses (``grpc+unix://``, ``grpc+http://``)."""

from __future__ import annotations

from concurrent import futures
from typing import Final
from urllib.parse import urlsplit

import grpc

from tvix_castore.errors import CompositionError

__all__ = ["MESSAGE_LIMIT", "channel_from_url", "grpc_target", "make_server"]

#: Directory messages of huge folders exceed gRPC's 4 MiB default.
MESSAGE_LIMIT: Final = 64 * 1024 * 1024
_OPTIONS: Final = [
    ("grpc.max_receive_message_length", MESSAGE_LIMIT),
    ("grpc.max_send_message_length", MESSAGE_LIMIT),
]


def grpc_target(url: str) -> tuple[str, bool]:
    """The gRPC target string for a service URL, and whether it wants TLS."""
    parts = urlsplit(url)
    if parts.scheme == "grpc+unix":
        path = parts.path if not parts.netloc else "/" + parts.netloc + parts.path
        if not path:
            raise CompositionError(url, "grpc+unix needs a socket path")
        return f"unix:{path}", False
    if parts.scheme in ("grpc+http", "grpc+https"):
        if not parts.hostname or parts.port is None:
            raise CompositionError(url, "needs a host and a port")
        return f"{parts.netloc}", parts.scheme == "grpc+https"
    raise CompositionError(url, f"not a gRPC URL (scheme {parts.scheme!r})")


def channel_from_url(url: str) -> grpc.Channel:
    target, tls = grpc_target(url)
    if tls:
        return grpc.secure_channel(target, grpc.ssl_channel_credentials(), options=_OPTIONS)
    return grpc.insecure_channel(target, options=_OPTIONS)


def make_server(workers: int = 16) -> grpc.Server:
    """A thread-pool server with the same message limits as our channels."""
    return grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=_OPTIONS)
