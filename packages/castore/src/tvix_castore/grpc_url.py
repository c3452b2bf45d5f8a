"""Tvix's addresses of gRPC services (``grpc+unix://``, ``grpc+http://``), read without
grpc itself: every command reads service URLs, and only those that name a gRPC service
should pay for loading grpc."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from tvix_castore.errors import CompositionError

if TYPE_CHECKING:
    from tvix_castore.composition import BuildContext

__all__ = ["GRPC_SCHEMES", "check_grpc_url", "grpc_target"]

#: The URL schemes of gRPC services, as Tvix spells them.
GRPC_SCHEMES: Final = ("grpc+unix", "grpc+http", "grpc+https")


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
