"""gRPC channels and servers from Tvix's addresses (``grpc+unix://``, ``grpc+http://``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import urlsplit

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass

from tvix_castore.errors import CompositionError

if TYPE_CHECKING:
    from tvix_castore.composition import BuildContext

__all__ = [
    "GRPC_SCHEMES",
    "MESSAGE_LIMIT",
    "Undecodable",
    "add_service",
    "channel_from_url",
    "check_grpc_url",
    "client_stayed",
    "decoded",
    "decoded_stream",
    "grpc_target",
    "make_server",
]

M = TypeVar("M", bound=Message)

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


@dataclass(frozen=True, slots=True)
class Undecodable:
    """What a server's deserializers give for bytes that are not the request's message."""

    message: str


def _lenient(message: type[M]) -> Callable[[bytes], M | Undecodable]:
    """A request deserializer that never raises: grpcio would answer INTERNAL and log a
    traceback, where undecodable bytes are the client's mistake like any other."""

    def decode(raw: bytes) -> M | Undecodable:
        try:
            return message.FromString(raw)
        except DecodeError:
            return Undecodable(message.DESCRIPTOR.full_name)

    return decode


def decoded(request: M | Undecodable, context: grpc.ServicerContext) -> M:
    """The request, or INVALID_ARGUMENT for bytes that were none."""
    if isinstance(request, Undecodable):
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"not a {request.message} message")
    return request


def decoded_stream(
    requests: Iterator[M | Undecodable], context: grpc.ServicerContext
) -> Iterator[M]:
    """The messages of a request stream, ending in INVALID_ARGUMENT at one that is none."""
    for request in requests:
        yield decoded(request, context)


def add_service(server: grpc.Server, service: ServiceDescriptor, servicer: object) -> None:
    """Serve ``servicer``'s methods for ``service`` as the generated ``add_…_to_server``
    does, but with deserializers that hand undecodable requests to the servicer (which
    answers them with :func:`decoded`) instead of failing inside grpcio."""
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    kinds = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }
    for method in service.methods:
        make = kinds[(method.client_streaming, method.server_streaming)]
        handlers[method.name] = make(
            getattr(servicer, method.name),
            request_deserializer=_lenient(GetMessageClass(method.input_type)),
            response_serializer=GetMessageClass(method.output_type).SerializeToString,
        )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(service.full_name, handlers),)
    )
    server.add_registered_method_handlers(service.full_name, handlers)
