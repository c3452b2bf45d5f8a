"""Operation bodies byte for byte: what the reference sends, we read and write back unchanged."""

from __future__ import annotations

import importlib
import io
import os
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from nix_compat.errors import WireError
from nix_compat.store_path import StorePath
from nix_compat.wire.handshake import PROTOCOL_VERSION, ProtocolVersion, client_handshake
from nix_compat.wire.messages import (
    AddToStoreNar,
    QueryPathInfo,
    QueryValidPaths,
    Request,
    SetOptions,
    ValidPathInfo,
    WireContext,
    read_request,
    write_request,
)
from nix_compat.wire.primitives import WireReader, WireWriter, encode_bytes, encode_u64
from nix_compat.wire.server import ServerConnection
from nix_compat.wire.stderr import Last, read_stderr

support = importlib.import_module("wire_support")
reference_daemon = support.reference_daemon

CTX = WireContext()


class _Recorder:
    """A readable that keeps a copy of everything read through it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.data = bytearray()

    def read(self, n: int) -> bytes:
        chunk: bytes = self.stream.read(n)
        self.data += chunk
        return chunk


def _encode(write: Any) -> bytes:
    out = io.BytesIO()
    writer = WireWriter(out)
    write(writer)
    writer.flush()
    return out.getvalue()


@pytest.fixture(scope="module")
def derivation(oracle: Any, tmp_path_factory: pytest.TempPathFactory) -> StorePath:
    """A .drv the reference wrote, with references to two sources (unique content)."""
    folder = tmp_path_factory.mktemp("wire-drv")
    for name in ("a", "b"):
        (folder / name).write_bytes(support.unique_bytes(f"source {name}"))
    (folder / "default.nix").write_text(
        'derivation { name = "wire-test"; system = "x86_64-linux"; builder = "/bin/sh";'
        " a = ./a; b = ./b; }"
    )
    drv = oracle.out("nix-instantiate", folder / "default.nix")
    return StorePath.from_absolute_path(drv)


def _answer_bytes(daemon: Any, request: Request[Any]) -> tuple[bytes, Any]:
    """The raw bytes of the reference daemon's answer to ``request``, and what we read."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(daemon.socket_path))
        with sock.makefile("rb") as rfile, sock.makefile("wb") as wfile:
            recorder = _Recorder(rfile)
            reader, writer = WireReader(recorder), WireWriter(wfile)
            negotiated = client_handshake(reader, writer)
            assert read_stderr(reader, negotiated.version) == Last()
            write_request(writer, request, CTX)
            writer.flush()
            assert read_stderr(reader, negotiated.version) == Last()
            start = len(recorder.data)
            answer = request.read_response(reader, CTX)
            return bytes(recorder.data[start:]), answer


def test_path_info_answer_round_trips(reference_daemon: Any, derivation: StorePath) -> None:
    raw, info = _answer_bytes(reference_daemon, QueryPathInfo(derivation))
    assert isinstance(info, ValidPathInfo)
    assert len(info.references) == 2 and info.ca is not None
    assert _encode(lambda w: QueryPathInfo(derivation).write_response(w, CTX, info)) == raw


def test_valid_paths_answer_round_trips(reference_daemon: Any, derivation: StorePath) -> None:
    _, info = _answer_bytes(reference_daemon, QueryPathInfo(derivation))
    request = QueryValidPaths(frozenset({derivation, *info.references}))
    raw, valid = _answer_bytes(reference_daemon, request)
    assert valid == request.paths
    # Sets go out in C++ Nix's order, so our bytes are the daemon's bytes.
    assert _encode(lambda w: request.write_response(w, CTX, valid)) == raw


def test_reference_client_requests_round_trip(oracle: Any, tmp_path: Path) -> None:
    """What ``nix-store -q --hash`` sends us (SetOptions, QueryPathInfo) we re-encode exactly."""
    store = support.MemoryStore()
    nar = support.file_nar(b"requests")
    info = support.source_info("requests", nar)
    store.add(info, nar)
    socket_path = tmp_path / "socket"
    seen: list[tuple[bytes, Request[Any]]] = []

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    listener.listen(1)

    def serve() -> None:
        conn_sock, _ = listener.accept()
        with conn_sock, conn_sock.makefile("rb") as rfile, conn_sock.makefile("wb") as wfile:
            recorder = _Recorder(rfile)
            conn = ServerConnection(recorder, wfile, nix_version="2.26.3")
            while True:
                start = len(recorder.data)
                request = conn.read_request()
                if request is None:
                    return
                seen.append((bytes(recorder.data[start:]), request))
                if isinstance(request, QueryPathInfo):
                    conn.respond(request, store.query_path_info(request.path))
                else:
                    conn.respond(request, None)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    env = dict(os.environ, NIX_REMOTE=f"unix://{socket_path}")
    oracle.run("nix-store", "--query", "--hash", info.path.to_absolute_path(), env=env)
    thread.join(timeout=10)
    listener.close()

    assert [type(r) for _, r in seen] == [SetOptions, QueryPathInfo]
    for raw, request in seen:
        assert _encode(lambda w, r=request: write_request(w, r, CTX)) == raw


def test_add_to_store_nar_body_round_trips() -> None:
    nar = support.file_nar(b"body")
    info = support.source_info(
        "body", nar, sigs=frozenset({"b:sig", "a:sig"}), registration_time=5, ultimate=True
    )
    request = AddToStoreNar(info, repair=True, dont_check_sigs=False)
    data = _encode(lambda w: write_request(w, request, CTX))
    assert read_request(WireReader(io.BytesIO(data)), CTX) == request
    # Signatures are a sorted set on the wire.
    assert data.index(b"a:sig") < data.index(b"b:sig")


def _path_info_answer(**replace: bytes) -> bytes:
    fields = {
        "valid": encode_u64(1),
        "deriver": encode_bytes(b""),
        "hash": encode_bytes(b"ab" * 32),
        "refs": encode_u64(1) + encode_bytes(b"/nix/store/" + b"0" * 32 + b"-ref"),
        "time": encode_u64(1),
        "size": encode_u64(2),
        "ultimate": encode_u64(0),
        "sigs": encode_u64(0),
        "ca": encode_bytes(b""),
    }
    fields.update(replace)
    return b"".join(fields.values())


def _read_path_info(data: bytes, version: ProtocolVersion = PROTOCOL_VERSION) -> Any:
    path = support.source_info("x", support.file_nar(b"x")).path
    reader = WireReader(io.BytesIO(data))
    return QueryPathInfo(path).read_response(reader, WireContext(version))


def test_path_info_answer_decodes() -> None:
    info = _read_path_info(_path_info_answer())
    assert info.nar_hash.to_base16() == "ab" * 32
    assert [r.name for r in info.references] == ["ref"]
    assert (info.registration_time, info.nar_size, info.ultimate) == (1, 2, False)
    assert _read_path_info(encode_u64(0)) is None


@pytest.mark.parametrize(
    ("field", "value", "message", "offset"),
    [
        ("hash", encode_bytes(b"xyz"), "bad NAR hash", 16),
        ("deriver", encode_bytes(b"/elsewhere/" + b"0" * 32 + b"-d"), "not in the Nix store", 8),
        ("refs", encode_u64(1) + encode_bytes(b"/nix/store/short"), "not a store path", 96),
        ("ca", encode_bytes(b"fixed:r:sha256:nope"), "bad content address", 184),
        ("ultimate", encode_u64(5), "boolean must be 0 or 1", 168),
        ("refs", encode_u64(2**40), "collection size", 88),
    ],
)
def test_malformed_path_info_answers_are_refused(
    field: str, value: bytes, message: str, offset: int
) -> None:
    data = _path_info_answer(**{field: value})
    with pytest.raises(WireError, match=message) as info:
        _read_path_info(data)
    assert info.value.offset == offset


def test_truncated_path_info_answer_is_refused() -> None:
    data = _path_info_answer()
    with pytest.raises(WireError, match="unexpected end of stream") as info:
        _read_path_info(data[:-5])
    assert info.value.offset == len(data) - 5
