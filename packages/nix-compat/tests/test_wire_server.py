"""Our server: against our client over a socket pair, and against the reference's clients."""

from __future__ import annotations

import importlib
import json
import os
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from nix_compat.errors import DaemonError, WireError
from nix_compat.store_path import StorePath
from nix_compat.wire.client import DaemonClient
from nix_compat.wire.handshake import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, ProtocolVersion
from nix_compat.wire.messages import ClientSettings, IsValidPath, Missing, WireContext
from nix_compat.wire.server import ServerConnection
from nix_compat.wire.stderr import Verbosity

support = importlib.import_module("wire_support")
unix_server = support.unix_server


def _stocked_store() -> tuple[Any, Any, bytes]:
    store = support.MemoryStore()
    nar = support.file_nar(b"hello from the memory store\n" * 20)
    info = support.source_info(
        "hello", nar, registration_time=1_700_000_000, sigs=frozenset({"k:c2ln"})
    )
    store.add(info, nar)
    return store, info, nar


def _missing_path() -> StorePath:
    path: StorePath = support.source_info("missing", support.file_nar(b"not here")).path
    return path


VERSIONS = [PROTOCOL_VERSION, ProtocolVersion(1, 25), MIN_PROTOCOL_VERSION]


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_every_operation_between_our_client_and_server(version: ProtocolVersion) -> None:
    store, info, nar = _stocked_store()
    pair = support.connect_pair(store, client_version=version)
    client = pair.client
    with client:
        assert client.negotiated.version == version
        missing = _missing_path()
        assert client.is_valid_path(info.path)
        assert not client.is_valid_path(missing)
        assert client.query_path_info(info.path) == info
        assert client.query_path_info(missing) is None
        assert client.query_valid_paths([info.path, missing]) == {info.path}
        assert client.query_path_from_hash_part(info.path.hash_part) == info.path
        assert client.query_path_from_hash_part(missing.hash_part) is None
        assert client.nar_from_path(info.path) == nar
        client.add_temp_root(info.path)
        assert store.temp_roots == {info.path}
        settings = ClientSettings(
            keep_going=True, verbosity=Verbosity.TALKATIVE, build_cores=4, overrides={"a": "b"}
        )
        client.set_options(settings)
        assert store.settings == [settings]
        expected_missing = Missing(unknown=frozenset({missing}))
        assert client.query_missing([missing.to_absolute_path()]) == expected_missing

        new_nar = support.file_nar(support.unique_bytes(f"ours {version}") * 5000)  # many frames
        new = support.source_info("new", new_nar, references=frozenset({info.path}))
        client.add_to_store_nar(new, new_nar)
        assert client.query_path_info(new.path) == new
        assert client.nar_from_path(new.path) == new_nar
    pair.thread.join(timeout=10)
    assert not pair.thread.is_alive() and pair.errors == []


def test_handler_errors_reach_the_client_and_the_connection_goes_on() -> None:
    store, info, nar = _stocked_store()
    client = support.connect_pair(store).client
    with client:
        missing = _missing_path()
        with pytest.raises(DaemonError, match="is not valid"):
            client.nar_from_path(missing)  # refused before the NAR starts: no hang-up
        bad = type(info)(missing, info.nar_hash, info.nar_size + 1)
        with pytest.raises(DaemonError, match="hash mismatch"):
            client.add_to_store_nar(bad, nar)  # the unread rest of the NAR is drained
        assert client.is_valid_path(info.path)

        def fail(path: StorePath) -> bool:
            raise DaemonError("cannot look", traces=("while checking", "while testing"))

        store.is_valid_path = fail
        with pytest.raises(DaemonError) as caught:
            client.is_valid_path(info.path)
        assert str(caught.value) == "cannot look"
        assert caught.value.traces == ("while checking", "while testing")
        assert client.query_path_info(info.path) == info


def test_corrupt_nar_from_the_client() -> None:
    store, info, nar = _stocked_store()
    corrupt = nar.replace(b"regular", b"regulax")
    bad = support.source_info("corrupt", corrupt)

    client = support.connect_pair(store).client  # framed: the stream stays in step
    with client:
        with pytest.raises(DaemonError, match="unknown node type 'regulax'"):
            client.add_to_store_nar(bad, corrupt)
        assert client.is_valid_path(info.path)

    pair = support.connect_pair(store, client_version=MIN_PROTOCOL_VERSION)
    with pytest.raises(DaemonError, match="bad NAR from the client: unknown node type"):
        pair.client.add_to_store_nar(bad, corrupt)  # asked for piece by piece: stream lost
    pair.thread.join(timeout=10)
    assert not pair.thread.is_alive()
    assert bad.path not in store.infos


def test_failure_in_the_middle_of_a_nar_hangs_up() -> None:
    store, info, nar = _stocked_store()

    def broken(path: StorePath) -> Any:
        yield nar[:56]  # the magic, "(" and "type"
        raise DaemonError("disk on fire")

    store.nar_from_path = broken
    pair = support.connect_pair(store)
    with pytest.raises(DaemonError, match="disk on fire"):
        pair.client.nar_from_path(info.path)
    pair.thread.join(timeout=10)
    assert not pair.thread.is_alive()
    with pytest.raises(WireError, match="closed"):
        pair.client.is_valid_path(info.path)


def test_unreadable_requests_are_answered_then_the_connection_closes() -> None:
    store, info, _ = _stocked_store()
    pair = support.connect_pair(store)
    client = pair.client
    client._writer.write_u64(99)
    client._writer.flush()
    with pytest.raises(DaemonError, match="invalid operation 99"):
        client._process_stderr()
    pair.thread.join(timeout=10)
    assert not pair.thread.is_alive()

    pair = support.connect_pair(store)
    elsewhere = WireContext(PROTOCOL_VERSION, "/not/the/store")
    pair.client.ctx = elsewhere
    with pytest.raises(DaemonError, match="is not in the Nix store '/nix/store'"):
        pair.client.request(IsValidPath(info.path))
    pair.thread.join(timeout=10)
    assert not pair.thread.is_alive()


# -- the reference's clients against our server -------------------------------------------------


def _nix(oracle: Any, socket_path: Path, *args: str, check: bool = True) -> Any:
    env = dict(os.environ, NIX_REMOTE=f"unix://{socket_path}")
    return oracle.run(*args, env=env, check=check)


def test_reference_clients_query_our_server(oracle: Any, unix_server: Any) -> None:
    socket_path, store = unix_server
    _, info, nar = _stocked_store()
    store.add(info, nar)
    path = info.path.to_absolute_path()

    hashed = _nix(oracle, socket_path, "nix-store", "--query", "--hash", path)
    assert hashed.stdout.decode().strip() == f"sha256:{info.nar_hash.to_nix32()}"
    _nix(oracle, socket_path, "nix-store", "--check-validity", path)

    store_url = f"unix://{socket_path}"
    shown = json.loads(
        _nix(oracle, socket_path, "nix", "path-info", "--json", "--store", store_url, path).stdout
    )
    entry = shown[path] if isinstance(shown, dict) else shown[0]
    assert entry["narHash"] == info.nar_hash.to_sri()
    assert entry["narSize"] == len(nar)
    assert entry["registrationTime"] == info.registration_time
    assert entry["signatures"] == sorted(info.sigs)
    assert entry["ca"] == info.ca.render()
    assert entry["references"] == []
    assert store.settings, "the reference client sends its settings first"


def test_reference_clients_see_our_answers_and_errors(oracle: Any, unix_server: Any) -> None:
    socket_path, store = unix_server
    missing = _missing_path().to_absolute_path()

    result = _nix(oracle, socket_path, "nix-store", "--query", "--hash", missing, check=False)
    assert result.returncode != 0
    assert f"path '{missing}' is not valid" in result.stderr.decode()

    def fail(path: StorePath) -> bool:
        raise DaemonError("the memory store is closed for lunch")

    store.is_valid_path = fail
    result = _nix(oracle, socket_path, "nix-store", "--check-validity", missing, check=False)
    assert result.returncode != 0
    assert "error: the memory store is closed for lunch" in result.stderr.decode()


def test_client_hangs_up_when_the_answer_is_malformed() -> None:
    """A daemon whose answer breaks the protocol: the client says where, then closes."""
    ours, theirs = socket.socketpair()

    def bad_daemon() -> None:
        with theirs, theirs.makefile("rb") as rfile, theirs.makefile("wb") as wfile:
            conn = ServerConnection(rfile, wfile, nix_version="2.26.3")
            assert isinstance(conn.read_request(), IsValidPath)
            conn.finish_log()
            conn.writer.write_u64(5)  # not a boolean
            conn.writer.flush()
            conn.reader.read_u64_or_eof()  # wait for the client to hang up

    thread = threading.Thread(target=bad_daemon, daemon=True)
    thread.start()
    client = DaemonClient.from_socket(ours)
    with pytest.raises(WireError, match="boolean must be 0 or 1, not 5") as info:
        client.is_valid_path(_missing_path())
    assert info.value.offset is not None and info.value.offset > 0
    with pytest.raises(WireError, match="closed"):
        client.is_valid_path(_missing_path())
    thread.join(timeout=10)
    assert not thread.is_alive()
