"""fetchurl and fetchTarball against a real HTTP server on loopback (started here) and file://
URLs, compared with what nix-instantiate answers for the same expressions; and what the
reference cannot show: downloads skipped when the store has the path, nothing left behind by a
mismatch."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fetch_support import Server, ours, reference
from tvix_store.services import Store


def _tar(path: Path, members: dict[str, bytes], mode: str = "w:gz") -> None:
    with tarfile.open(path, mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if name.endswith(".sh") else 0o644
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(data))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("www")
    (root / "hello.txt").write_bytes(b"hello from the server\n")
    (root / "empty").write_bytes(b"")
    _tar(
        root / "one-folder.tar.gz",
        {"pkg-1.0/README": b"read me\n", "pkg-1.0/bin/run.sh": b"#!/bin/sh\n"},
    )
    _tar(root / "two-entries.tar.xz", {"a/x": b"x\n", "b": b"b\n"}, "w:xz")
    _tar(root / "one-file.tar", {"lonely.txt": b"alone\n"}, "w")
    (root / "not-an-archive.tar.gz").write_bytes(b"this is not a tarball\n")
    running = Server(root)
    yield running
    running.stop()


NO_HASH = "0000000000000000000000000000000000000000000000000000"
EXPRESSIONS = [
    'builtins.fetchurl "{url}/hello.txt"',
    'builtins.fetchurl {{ url = "{url}/hello.txt"; name = "greeting"; }}',
    'builtins.getContext (builtins.fetchurl "{url}/hello.txt")',
    'builtins.fetchurl "{url}/empty"',
    'builtins.fetchurl "file://{root}/hello.txt"',
    'builtins.fetchurl {{ url = "{url}/hello.txt"; sha256 = "' + NO_HASH + '"; }}',
    'builtins.fetchurl {{ url = "{url}/hello.txt"; sha256 = ""; }}',
    'builtins.fetchurl "{url}/missing"',
    'builtins.fetchurl "file://{root}/missing"',
    'builtins.fetchurl {{ url = "{url}/hello.txt"; colour = "blue"; }}',
    "builtins.fetchurl {{ }}",
    'fetchTarball "{url}/one-folder.tar.gz"',
    'fetchTarball "{url}/two-entries.tar.xz"',
    'fetchTarball "{url}/one-file.tar"',
    'fetchTarball {{ url = "{url}/one-folder.tar.gz"; name = "pkg"; }}',
    'fetchTarball {{ url = "{url}/one-folder.tar.gz"; sha256 = "' + NO_HASH + '"; }}',
    'fetchTarball "{url}/not-an-archive.tar.gz"',
    'fetchTarball "{url}/missing.tar.gz"',
    'builtins.readFile (fetchTarball "{url}/one-folder.tar.gz" + "/README")',
    'builtins.readDir (fetchTarball "{url}/one-folder.tar.gz" + "/bin")',
]


@pytest.mark.parametrize("template", EXPRESSIONS)
def test_fetchers_answer_as_the_reference(
    oracle: Any, server: Server, store: Store, capfd: pytest.CaptureFixture[str], template: str
) -> None:
    expr = template.format(url=server.url, root=server.root)
    assert ours(store, expr, capfd) == reference(oracle, expr)


def test_a_fetch_with_a_hash_the_store_has_downloads_nothing(
    oracle: Any, server: Server, store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    plain = f'builtins.fetchurl "{server.url}/hello.txt"'
    status, out, _ = ours(store, plain, capfd)
    assert status == 0
    digest = oracle.out(
        "nix-hash", "--type", "sha256", "--flat", "--base32", str(server.root / "hello.txt")
    )
    pinned = f'builtins.fetchurl {{ url = "{server.url}/hello.txt"; sha256 = "{digest}"; }}'
    before = len(server.requests)
    assert ours(store, pinned, capfd) == (0, out, "")
    assert len(server.requests) == before


def test_a_fetch_without_a_hash_is_not_repeated_within_the_ttl(
    server: Server, store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    for expr in (
        f'builtins.fetchurl "{server.url}/hello.txt"',
        f'fetchTarball "{server.url}/one-folder.tar.gz"',
        f'builtins.fetchTree "{server.url}/one-folder.tar.gz"',
    ):
        first = ours(store, expr, capfd)
        assert first[0] == 0, first
        before = len(server.requests)
        assert ours(store, expr, capfd) == first
        assert len(server.requests) == before, expr
        # With no time to live, it is fetched again.
        assert ours(store, expr, capfd, tarball_ttl=0) == first
        assert len(server.requests) == before + 1, expr


def test_a_remembered_fetch_whose_path_the_store_lacks_is_fetched_again(
    server: Server, store: Store, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tvix_store.services import StoreAddresses

    expr = f'builtins.fetchurl "{server.url}/hello.txt"'
    first = ours(store, expr, capfd)
    other = StoreAddresses(
        f"objectstore+file://{tmp_path}/other-blobs",
        f"sqlite://{tmp_path}/other-directories.sqlite",
        f"sqlite://{tmp_path}/other-pathinfo.sqlite",
        None,
    ).open()
    try:
        before = len(server.requests)
        assert ours(other, expr, capfd) == first
        assert len(server.requests) == before + 1
    finally:
        other.close()


def test_a_hash_mismatch_leaves_nothing_in_the_store(
    server: Server, store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    wrong = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    for expr in (
        f'builtins.fetchurl {{ url = "{server.url}/hello.txt"; sha256 = "{wrong}"; }}',
        f'fetchTarball {{ url = "{server.url}/one-folder.tar.gz"; sha256 = "{wrong}"; }}',
    ):
        status, _, err = ours(store, expr, capfd)
        assert status == 102 and "hash mismatch" in err
    assert list(store.path_infos.list()) == []
