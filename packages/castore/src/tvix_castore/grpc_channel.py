"""gRPC channels and servers from Tvix's addresses (``grpc+unix://``, ``grpc+http://``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent import futures
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import grpc

from tvix_castore.errors import CompositionError

if TYPE_CHECKING:
    from tvix_castore.composition import BuildContext

__all__ = [
    "GRPC_SCHEMES",
    "MESSAGE_LIMIT",
    "channel_from_url",
    "check_grpc_url",
    "client_stayed",
    "grpc_target",
    "make_server",
]

#: The URL schemes of gRPC services, as Tvix spells them.
GRPC_SCHEMES: Final = ("grpc+unix", "grpc+http", "grpc+https")

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
        try:
            port = parts.port
        except ValueError:
            raise CompositionError(url, "the port must be a number from 0 to 65535") from None
        if not parts.hostname or port is None:
            raise CompositionError(url, "needs a host and a port")
        return f"{parts.netloc}", parts.scheme == "grpc+https"
    raise CompositionError(url, f"not a gRPC URL (scheme {parts.scheme!r})")


def check_grpc_url(context: BuildContext, spec: Mapping[str, Any]) -> str:
    """The ``url`` option of a ``grpc`` service, refused unless it is a gRPC URL."""
    url = context.string(spec, "url")
    if urlsplit(url).scheme not in GRPC_SCHEMES:
        raise context.error(f"not a gRPC URL: {url}")
    grpc_target(url)
    return url


def channel_from_url(url: str) -> grpc.Channel:
    target, tls = grpc_target(url)
    if tls:
        return grpc.secure_channel(target, grpc.ssl_channel_credentials(), options=_OPTIONS)
    return grpc.insecure_channel(target, options=_OPTIONS)


def make_server(workers: int = 16) -> grpc.Server:
    """A thread-pool server with the same message limits as our channels."""
    return grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=_OPTIONS)


#: How long a server waits, once a client's request stream has ended, for grpcio to tell a
#: cancellation from the client's own end of the stream (see :func:`client_stayed`).
CANCELLATION_NOTICE: Final = 0.002


def client_stayed(context: grpc.ServicerContext) -> bool:
    """Whether the client ended its request stream itself, rather than went away, so what
    it sent may be stored.

    grpcio ends the request iterator of a cancelled call just as if the client had closed its
    stream, and marks the call cancelled a moment later, when its own thread handles the
    second event: checking at once can miss it, and store half an upload. So the check is
    made again after that moment, which costs a successful upload that much latency."""
    if not context.is_active():
        return False
    time.sleep(CANCELLATION_NOTICE)
    return bool(context.is_active())
