"""Our client against the reference ``nix-daemon``: every operation, checked with the
reference's own commands on the same store.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from nix_compat.errors import DaemonError, WireError
from nix_compat.hash import NixHash
from nix_compat.store_path import StorePath, make_source_path
from nix_compat.wire.handshake import ProtocolVersion
from nix_compat.wire.messages import ClientSettings
from nix_compat.wire.stderr import LogLine, StderrMessage, Verbosity

support = importlib.import_module("wire_support")
reference_daemon = support.reference_daemon


@pytest.fixture(scope="module")
def added(oracle: Any, tmp_path_factory: pytest.TempPathFactory) -> StorePath:
    """A tree added by the reference: a file, an executable and a symlink, unique content."""
    root = tmp_path_factory.mktemp("wire-added") / "tree"
    root.mkdir()
    (root / "data").write_bytes(support.unique_bytes("added"))
    (root / "run").write_bytes(b"#!/bin/sh\n")
    (root / "run").chmod(0o755)
    (root / "link").symlink_to("data")
    return StorePath.from_absolute_path(oracle.out("nix-store", "--add", root))


@pytest.fixture
def missing() -> StorePath:
    """A well-formed path that no store holds."""
    nar = support.file_nar(support.unique_bytes("missing"))
    return make_source_path("missing", NixHash.of_bytes("sha256", nar))


@pytest.fixture
def client(reference_daemon: Any) -> Any:
    with reference_daemon.connect() as connection:
        yield connection


def test_is_valid_path(client: Any, added: StorePath, missing: StorePath) -> None:
    assert client.is_valid_path(added) is True
    assert client.is_valid_path(missing) is False


def test_query_path_info_matches_nix_path_info(
    oracle: Any, client: Any, added: StorePath, missing: StorePath
) -> None:
    seen = json.loads(oracle.out("nix", "path-info", "--json", added.to_absolute_path()))
    expected = seen[added.to_absolute_path()] if isinstance(seen, dict) else seen[0]
    info = client.query_path_info(added)
    assert info is not None
    assert info.path == added
    assert info.nar_hash.to_sri() == expected["narHash"]
    assert info.nar_size == expected["narSize"]
    assert sorted(r.to_absolute_path() for r in info.references) == expected["references"]
    assert info.registration_time == expected["registrationTime"]
    assert info.ultimate == expected["ultimate"]
    assert sorted(info.sigs) == expected["signatures"]
    assert (info.ca.render() if info.ca else None) == expected["ca"]
    assert (info.deriver.to_absolute_path() if info.deriver else None) == expected["deriver"]
    assert client.query_path_info(missing) is None


def test_query_valid_paths(client: Any, added: StorePath, missing: StorePath) -> None:
    assert client.query_valid_paths([added, missing]) == frozenset({added})
    assert client.query_valid_paths([]) == frozenset()


def test_query_path_from_hash_part(client: Any, added: StorePath, missing: StorePath) -> None:
    assert client.query_path_from_hash_part(added.hash_part) == added
    assert client.query_path_from_hash_part(missing.hash_part) is None
    with pytest.raises(DaemonError, match="invalid hash part"):
        client.query_path_from_hash_part("not a hash part")
    assert client.is_valid_path(added)  # an operation's error leaves the connection usable


def test_nar_from_path_is_nix_store_dump(oracle: Any, client: Any, added: StorePath) -> None:
    dumped = oracle.run("nix-store", "--dump", added.to_absolute_path()).stdout
    assert client.nar_from_path(added) == dumped
    pieces: list[bytes] = []
    assert client.nar_from_path_to(added, pieces.append) == len(dumped)
    assert b"".join(pieces) == dumped
    assert client.is_valid_path(added)  # the stream is still in step after a NAR


def test_nar_from_path_of_a_missing_path(oracle: Any, client: Any, missing: StorePath) -> None:
    """The daemon's message, as the reference's own ``nix-store --dump`` prints it."""
    dumped = oracle.run("nix-store", "--dump", missing.to_absolute_path(), check=False)
    expected = dumped.stderr.decode().strip().removeprefix("error: ")
    assert missing.to_absolute_path() in expected
    with pytest.raises(DaemonError) as info:
        client.nar_from_path(missing)
    assert str(info.value) == expected
    # The daemon hangs up after such an error; so did the client.
    with pytest.raises(WireError, match="closed"):
        client.is_valid_path(missing)


def test_add_temp_root(oracle: Any, client: Any, added: StorePath) -> None:
    client.add_temp_root(added)
    # Other processes' root files may vanish while they are read: only ours matters.
    roots = oracle.run("sh", "-c", "cat /nix/var/nix/temproots/* 2>/dev/null; true").stdout
    assert added.to_absolute_path().encode() in roots.split(b"\0")


def test_set_options_reaches_the_daemon(reference_daemon: Any, added: StorePath) -> None:
    logs: list[StderrMessage] = []
    with reference_daemon.connect(on_log=logs.append) as client:
        client.set_options(ClientSettings(verbosity=Verbosity.DEBUG))
        logs.clear()
        client.is_valid_path(added)
        assert any(isinstance(m, LogLine) and "worker op" in m.text for m in logs)
        client.set_options(ClientSettings(verbosity=Verbosity.ERROR))
        logs.clear()
        client.is_valid_path(added)
        assert logs == []


@pytest.mark.parametrize(
    "version", [ProtocolVersion(1, 38), ProtocolVersion(1, 25), ProtocolVersion(1, 21)]
)
def test_add_to_store_nar(oracle: Any, reference_daemon: Any, version: ProtocolVersion) -> None:
    """Framed from 1.23, asked for with STDERR_READ before; the reference then has the path."""
    nar = support.file_nar(support.unique_bytes(f"add {version}"))
    info = support.source_info("added-by-us", nar)
    with reference_daemon.connect(version=version) as client:
        assert client.negotiated.version == version
        client.add_to_store_nar(info, nar)
        assert client.is_valid_path(info.path)
    path = info.path.to_absolute_path()
    oracle.run("nix-store", "--check-validity", path)
    assert oracle.run("nix-store", "--dump", path).stdout == nar
    seen = json.loads(oracle.out("nix", "path-info", "--json", path))
    entry = seen[path] if isinstance(seen, dict) else seen[0]
    assert entry["narHash"] == info.nar_hash.to_sri()
    assert entry["ca"] == info.ca.render()


def test_add_to_store_nar_refuses_a_wrong_hash(
    oracle: Any, client: Any, missing: StorePath
) -> None:
    nar = support.file_nar(support.unique_bytes("wrong hash"))
    good = support.source_info("wrong-hash", nar)
    bad = type(good)(good.path, NixHash.of_bytes("sha256", b"other"), good.nar_size, ca=good.ca)
    with pytest.raises(DaemonError, match="hash mismatch") as info:
        client.add_to_store_nar(bad, nar, dont_check_sigs=True)
    assert good.path.to_absolute_path() in str(info.value)
    assert not client.is_valid_path(good.path)  # the store is left as it was
    check = oracle.run("nix-store", "--check-validity", good.path.to_absolute_path(), check=False)
    assert check.returncode != 0


def test_add_to_store_nar_without_signature_is_refused_unless_told(
    client: Any,
) -> None:
    nar = support.file_nar(support.unique_bytes("unsigned"))
    info = support.source_info("unsigned", nar)
    unaddressed = type(info)(info.path, info.nar_hash, info.nar_size)  # no CA, no signature
    with pytest.raises(DaemonError, match="lacks a signature by a trusted key"):
        client.add_to_store_nar(unaddressed, nar)
    client.add_to_store_nar(unaddressed, nar, dont_check_sigs=True)
    assert client.is_valid_path(info.path)
