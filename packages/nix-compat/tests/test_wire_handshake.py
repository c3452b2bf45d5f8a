"""The greeting: both ends agree on the lower version and exchange what that version carries."""

from __future__ import annotations

import importlib
import io
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest
from nix_compat.errors import WireError
from nix_compat.wire.handshake import (
    MIN_PROTOCOL_VERSION,
    PROTOCOL_VERSION,
    WORKER_MAGIC_1,
    WORKER_MAGIC_2,
    Negotiated,
    ProtocolVersion,
    Trust,
    client_handshake,
    server_handshake,
)
from nix_compat.wire.primitives import WireReader, WireWriter, encode_u64

support = importlib.import_module("wire_support")
reference_daemon = support.reference_daemon
unix_server = support.unix_server

V = ProtocolVersion


def _both_ends(
    client: Callable[[WireReader, WireWriter], Any], server: Callable[[WireReader, WireWriter], Any]
) -> tuple[Any, Any]:
    """Run ``client`` and ``server`` against each other over a socket pair; return or raise."""
    left, right = socket.socketpair()
    results: dict[str, Any] = {}

    def run(name: str, sock: socket.socket, fn: Callable[[WireReader, WireWriter], Any]) -> None:
        with sock, sock.makefile("rb") as rfile, sock.makefile("wb") as wfile:
            try:
                results[name] = fn(WireReader(rfile), WireWriter(wfile))
            except BaseException as e:  # handed to the test
                results[name] = e

    thread = threading.Thread(target=run, args=("server", right, server), daemon=True)
    thread.start()
    run("client", left, client)
    thread.join(timeout=10)
    return results["client"], results["server"]


def _client(version: ProtocolVersion = PROTOCOL_VERSION, features: tuple[str, ...] = ()) -> Any:
    return lambda r, w: client_handshake(r, w, version=version, features=features)


def _server(
    version: ProtocolVersion = PROTOCOL_VERSION,
    features: tuple[str, ...] = (),
    trust: Trust = Trust.NOT_TRUSTED,
) -> Any:
    return lambda r, w: server_handshake(
        r, w, nix_version="2.26.3", trust=trust, version=version, features=features
    )


def test_version_words() -> None:
    assert PROTOCOL_VERSION.to_wire() == 0x126
    assert ProtocolVersion.from_wire(0x115) == ProtocolVersion(1, 21)
    assert str(ProtocolVersion(1, 38)) == "1.38"
    assert ProtocolVersion(1, 9) < ProtocolVersion(1, 10)


@pytest.mark.parametrize(
    ("client_version", "server_version", "expected"),
    [
        # The lower version wins; the fields each version adds come with it.
        ((1, 38), (1, 38), Negotiated(V(1, 38), frozenset({"b"}), "2.26.3", Trust.NOT_TRUSTED)),
        ((1, 38), (1, 37), Negotiated(V(1, 37), frozenset(), "2.26.3", Trust.NOT_TRUSTED)),
        ((1, 34), (1, 38), Negotiated(V(1, 34), frozenset(), "2.26.3", Trust.UNKNOWN)),
        ((1, 38), (1, 32), Negotiated(V(1, 32), frozenset(), None, Trust.UNKNOWN)),
        ((1, 21), (1, 38), Negotiated(V(1, 21), frozenset(), None, Trust.UNKNOWN)),
    ],
)
def test_our_client_and_server_agree(
    client_version: tuple[int, int], server_version: tuple[int, int], expected: Negotiated
) -> None:
    client, server = _both_ends(
        _client(ProtocolVersion(*client_version), ("a", "b")),
        _server(ProtocolVersion(*server_version), ("b", "c")),
    )
    assert client == expected
    assert server == expected


def test_versions_before_the_minimum_are_refused_by_both_ends() -> None:
    too_old = ProtocolVersion(MIN_PROTOCOL_VERSION.major, MIN_PROTOCOL_VERSION.minor - 1)
    client, server = _both_ends(_client(too_old), _server())
    assert isinstance(client, WireError) and "our protocol version 1.20 is too old" in str(client)
    assert isinstance(server, WireError)
    assert "the client's protocol version 1.20 is too old" in str(server)

    client, server = _both_ends(_client(), _server(too_old))
    assert isinstance(client, WireError)
    assert "the daemon's protocol version 1.20 is too old" in str(client)
    assert isinstance(server, WireError)


def test_another_major_version_is_refused() -> None:
    r = WireReader(io.BytesIO(encode_u64(WORKER_MAGIC_2) + encode_u64(0x226)))
    with pytest.raises(WireError, match=r"speaks protocol 2\.38") as info:
        client_handshake(r, WireWriter(io.BytesIO()))
    assert info.value.offset == 8


def test_bad_magic_is_refused() -> None:
    with pytest.raises(WireError, match="bad daemon magic") as info:
        client_handshake(
            WireReader(io.BytesIO(encode_u64(WORKER_MAGIC_1))), WireWriter(io.BytesIO())
        )
    assert info.value.offset == 0
    with pytest.raises(WireError, match="bad client magic: expected 0x6e697863, got 0x1"):
        server_handshake(
            WireReader(io.BytesIO(encode_u64(1))), WireWriter(io.BytesIO()), nix_version="x"
        )


def test_truncated_greeting_is_refused() -> None:
    data = encode_u64(WORKER_MAGIC_2) + encode_u64(PROTOCOL_VERSION.to_wire()) + encode_u64(0)
    with pytest.raises(WireError, match="unexpected end of stream") as info:
        client_handshake(WireReader(io.BytesIO(data)), WireWriter(io.BytesIO()))
    assert info.value.offset == len(data)


def test_invalid_trust_flag_is_refused() -> None:
    data = b"".join(
        [
            encode_u64(WORKER_MAGIC_2),
            encode_u64(0x123),
            encode_u64(6) + b"2.26.3\0\0",
            encode_u64(7),
        ]
    )
    with pytest.raises(WireError, match="invalid trust flag 7") as info:
        client_handshake(WireReader(io.BytesIO(data)), WireWriter(io.BytesIO()))
    assert info.value.offset == 32


def test_our_client_greets_the_reference_daemon(oracle: Any, reference_daemon: Any) -> None:
    store = f"unix://{reference_daemon.socket_path}"
    seen = json.loads(oracle.out("nix", "store", "info", "--json", "--store", store))
    with reference_daemon.connect() as client:
        assert client.negotiated.version == PROTOCOL_VERSION
        assert client.negotiated.nix_version == seen["version"]
        assert client.negotiated.trust == Trust(seen["trusted"])
        assert client.negotiated.features == frozenset()


def test_reference_daemon_speaks_our_oldest_version(reference_daemon: Any) -> None:
    with reference_daemon.connect(version=MIN_PROTOCOL_VERSION) as client:
        assert client.negotiated == Negotiated(MIN_PROTOCOL_VERSION)


def test_reference_client_greets_our_server(oracle: Any, unix_server: Any) -> None:
    socket_path, _ = unix_server
    store = f"unix://{socket_path}"
    seen = json.loads(oracle.out("nix", "store", "info", "--json", "--store", store))
    assert seen == {"trusted": 1, "url": f"unix://{socket_path}", "version": "2.26.3"}
