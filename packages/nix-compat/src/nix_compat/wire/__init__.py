"""The Nix daemon wire protocol (``unix://`` stores, ``nix-daemon``), from both ends.

Layers, lowest first: :mod:`~nix_compat.wire.primitives` (words, padded strings, collections,
framed streams), :mod:`~nix_compat.wire.handshake` (the greeting and version negotiation),
:mod:`~nix_compat.wire.ops` and :mod:`~nix_compat.wire.messages` (operations and their bodies),
:mod:`~nix_compat.wire.stderr` (the daemon's log stream and errors), then
:mod:`~nix_compat.wire.client` (talk to a daemon) and :mod:`~nix_compat.wire.server` (be one).
"""

from nix_compat.wire.client import DaemonClient, LogHandler
from nix_compat.wire.handshake import (
    MIN_PROTOCOL_VERSION,
    PROTOCOL_VERSION,
    Negotiated,
    ProtocolVersion,
    Trust,
)
from nix_compat.wire.messages import ClientSettings, Missing, ValidPathInfo, WireContext
from nix_compat.wire.ops import Op
from nix_compat.wire.server import DaemonHandler, ServerConnection, UnixDaemonServer
from nix_compat.wire.stderr import ErrorInfo, StderrMessage, Verbosity

__all__ = [
    "MIN_PROTOCOL_VERSION",
    "PROTOCOL_VERSION",
    "ClientSettings",
    "DaemonClient",
    "DaemonHandler",
    "ErrorInfo",
    "LogHandler",
    "Missing",
    "Negotiated",
    "Op",
    "ProtocolVersion",
    "ServerConnection",
    "StderrMessage",
    "Trust",
    "UnixDaemonServer",
    "ValidPathInfo",
    "Verbosity",
    "WireContext",
]
