"""The greeting that opens every daemon connection, from either end.

The client sends ``WORKER_MAGIC_1`` and its protocol version; the daemon answers
``WORKER_MAGIC_2`` and its own. Both then speak the lower of the two versions, and what follows
depends on it:

* 1.38 and later: the client sends the set of protocol features it knows, the daemon answers
  with its own; the intersection is in force.
* 1.14 and later: the client sends an obsolete CPU-affinity flag (0, or 1 and a CPU number).
* 1.11 and later: the client sends an obsolete reserve-space flag.
* 1.33 and later: the daemon sends its Nix version string.
* 1.35 and later: the daemon says whether it trusts the client (0 unknown, 1 yes, 2 no).

After that the daemon reports start-up problems the way it reports an operation's progress:
log messages ending in ``STDERR_LAST`` or ``STDERR_ERROR`` (see :mod:`nix_compat.wire.stderr`),
which the client and server helpers in this package handle.

Versions older than :data:`MIN_PROTOCOL_VERSION` (Nix before 2.1) are refused.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, NamedTuple

from nix_compat.errors import WireError
from nix_compat.wire.primitives import WireReader, WireWriter

__all__ = [
    "MIN_PROTOCOL_VERSION",
    "PROTOCOL_VERSION",
    "WORKER_MAGIC_1",
    "WORKER_MAGIC_2",
    "Negotiated",
    "ProtocolVersion",
    "Trust",
    "client_handshake",
    "server_handshake",
]

WORKER_MAGIC_1: Final = 0x6E697863
WORKER_MAGIC_2: Final = 0x6478696F


class ProtocolVersion(NamedTuple):
    """``major.minor``; on the wire ``major << 8 | minor``. Tuples compare as versions do."""

    major: int
    minor: int

    def to_wire(self) -> int:
        return self.major << 8 | self.minor

    @classmethod
    def from_wire(cls, word: int) -> ProtocolVersion:
        return cls((word >> 8) & 0xFF, word & 0xFF)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


#: What C++ Nix 2.26 speaks.
PROTOCOL_VERSION: Final = ProtocolVersion(1, 38)
#: The oldest version this package speaks: from here on AddToStoreNar can stream its NAR.
MIN_PROTOCOL_VERSION: Final = ProtocolVersion(1, 21)

_FEATURES_SINCE: Final = ProtocolVersion(1, 38)
_CPU_AFFINITY_SINCE: Final = ProtocolVersion(1, 14)
_RESERVE_SPACE_SINCE: Final = ProtocolVersion(1, 11)
_NIX_VERSION_SINCE: Final = ProtocolVersion(1, 33)
_TRUST_SINCE: Final = ProtocolVersion(1, 35)


class Trust(enum.IntEnum):
    """Whether the daemon trusts the client (``trusted-users``), as it says on the wire."""

    UNKNOWN = 0
    TRUSTED = 1
    NOT_TRUSTED = 2


@dataclass(frozen=True, slots=True)
class Negotiated:
    """What both ends agreed on; every later message is read and written according to it."""

    version: ProtocolVersion
    features: frozenset[str] = frozenset()
    #: The daemon's Nix version (from 1.33), e.g. ``"2.26.3"``.
    nix_version: str | None = None
    trust: Trust = Trust.UNKNOWN


def _peer_version(word: int, offset: int, who: str) -> ProtocolVersion:
    version = ProtocolVersion.from_wire(word)
    if word > 0xFFFF or version.major != PROTOCOL_VERSION.major:
        raise WireError(
            f"{who} speaks protocol {version} (word {word:#x}); only major version "
            f"{PROTOCOL_VERSION.major} is supported",
            offset,
        )
    return version


def _check_supported(version: ProtocolVersion, who: str) -> None:
    if version < MIN_PROTOCOL_VERSION:
        raise WireError(
            f"{who} protocol version {version} is too old: "
            f"at least {MIN_PROTOCOL_VERSION} is required"
        )


def _read_magic(reader: WireReader, expected: int, what: str) -> None:
    start = reader.offset
    magic = reader.read_u64()
    if magic != expected:
        raise WireError(f"bad {what}: expected {expected:#x}, got {magic:#x}", start)


def client_handshake(
    reader: WireReader,
    writer: WireWriter,
    *,
    version: ProtocolVersion = PROTOCOL_VERSION,
    features: Iterable[str] = (),
) -> Negotiated:
    """Greet a daemon; the start-up log that follows is left for the caller to read."""
    ours = frozenset(features)
    writer.write_u64(WORKER_MAGIC_1)
    writer.write_u64(version.to_wire())
    writer.flush()
    _read_magic(reader, WORKER_MAGIC_2, "daemon magic")
    start = reader.offset
    daemon = _peer_version(reader.read_u64(), start, "the daemon")
    agreed = min(daemon, version)
    _check_supported(agreed, "the daemon's" if daemon < version else "our")

    theirs: frozenset[str] = frozenset()
    if agreed >= _FEATURES_SINCE:
        writer.write_strings(sorted(ours))
        writer.flush()
        theirs = frozenset(reader.read_strings())
    if agreed >= _CPU_AFFINITY_SINCE:
        writer.write_u64(0)
    if agreed >= _RESERVE_SPACE_SINCE:
        writer.write_bool(False)
    writer.flush()

    nix_version = reader.read_str() if agreed >= _NIX_VERSION_SINCE else None
    trust = Trust.UNKNOWN
    if agreed >= _TRUST_SINCE:
        trust = _read_trust(reader)
    return Negotiated(agreed, ours & theirs, nix_version, trust)


def _read_trust(reader: WireReader) -> Trust:
    start = reader.offset
    word = reader.read_u64()
    try:
        return Trust(word)
    except ValueError:
        raise WireError(f"invalid trust flag {word} (expected 0, 1 or 2)", start) from None


def server_handshake(
    reader: WireReader,
    writer: WireWriter,
    *,
    nix_version: str,
    trust: Trust = Trust.UNKNOWN,
    version: ProtocolVersion = PROTOCOL_VERSION,
    features: Iterable[str] = (),
) -> Negotiated:
    """Answer a client's greeting; the caller then sends the start-up log (``STDERR_LAST``)."""
    ours = frozenset(features)
    _read_magic(reader, WORKER_MAGIC_1, "client magic")
    writer.write_u64(WORKER_MAGIC_2)
    writer.write_u64(version.to_wire())
    writer.flush()
    start = reader.offset
    client = _peer_version(reader.read_u64(), start, "the client")
    agreed = min(client, version)
    _check_supported(agreed, "the client's" if client < version else "our")

    theirs: frozenset[str] = frozenset()
    if agreed >= _FEATURES_SINCE:
        theirs = frozenset(reader.read_strings())
        writer.write_strings(sorted(ours))
        writer.flush()
    if agreed >= _CPU_AFFINITY_SINCE and reader.read_u64():
        reader.read_u64()  # the obsolete CPU number
    if agreed >= _RESERVE_SPACE_SINCE:
        reader.read_u64()

    if agreed >= _NIX_VERSION_SINCE:
        writer.write_str(nix_version)
    if agreed >= _TRUST_SINCE:
        writer.write_u64(trust)
    writer.flush()
    return Negotiated(
        agreed,
        ours & theirs,
        nix_version if agreed >= _NIX_VERSION_SINCE else None,
        trust if agreed >= _TRUST_SINCE else Trust.UNKNOWN,
    )
