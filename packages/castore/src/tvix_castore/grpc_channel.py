"""gRPC channels and servers from Tvix's addresses (``grpc+unix://``, ``grpc+http://``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass

from tvix_castore.grpc_url import grpc_target

__all__ = [
    "MESSAGE_LIMIT",
    "Undecodable",
    "add_service",
    "channel_from_url",
    "client_stayed",
    "decoded",
    "decoded_stream",
    "make_server",
]

M = TypeVar("M", bound=Message)

#: Directory messages of huge folders exceed gRPC's 4 MiB default.
MESSAGE_LIMIT: Final = 64 * 1024 * 1024
_OPTIONS: Final = [
    ("grpc.max_receive_message_length", MESSAGE_LIMIT),
    ("grpc.max_send_message_length", MESSAGE_LIMIT),
]


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
