"""<nix/fetchurl.nix> and its builtin:fetchurl derivations against the reference: the same
.drv and output paths for every way of giving the hash, and (with --read-write-mode) the
fetch carried out when the output is read, over HTTP and file://, flat, executable and
unpacked, with the reference's hash mismatch. Every file fetched holds this run's folder
name, so that neither store has it from an earlier run."""

from __future__ import annotations

import io
import lzma
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fetch_support import Server, ours, reference
from tvix_store.services import Store

ZERO = "0" * 52
#: The reference must fetch as we do, not ask its default binary cache first.
NO_SUBSTITUTERS = ("--option", "substituters", "")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "file.txt").write_text(f"fetched for {tmp_path}\n")
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = f"unpacked for {tmp_path}\n".encode()
        info = tarfile.TarInfo("pkg/inner.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (root / "pkg.tar.gz").write_bytes(archive.getvalue())
    server = Server(root)
    yield server
    server.stop()


def _hash(oracle: Any, path: Path, *flags: str) -> str:
    return oracle.out("nix-hash", "--type", "sha256", "--base32", *flags, path).strip()


PATHS = [
    'url = "https://example.org/a.tar.gz"; sha256 = "{zero}";',
    'url = "https://example.org/a.tar.gz"; executable = true; '
    'hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";',
    'url = "https://example.org/a"; sha512 = "{zero512}"; unpack = true; name = "n";',
    'url = "https://example.org/a"; md5 = "00000000000000000000000000000000";',
    'url = "https://example.org/a"; sha1 = "0000000000000000000000000000000000000000";',
    'url = "https://example.org/dir/file.txt"; outputHash = "{zero}"; outputHashAlgo = "sha256";',
]


@pytest.mark.parametrize("args", PATHS)
def test_the_derivation_is_the_references(
    oracle: Any, store: Store, capfd: pytest.CaptureFixture[str], args: str
) -> None:
    given = args.format(zero=ZERO, zero512="0" * 128)
    expr = f"with import <nix/fetchurl.nix> {{ {given} }}; [ drvPath outPath ]"
    assert ours(store, expr, capfd) == reference(oracle, expr)


def _both(oracle: Any, store: Store, capfd: pytest.CaptureFixture[str], expr: str) -> None:
    ours_answer = ours(store, expr, capfd, read_write=True)
    assert ours_answer == reference(oracle, expr, "--read-write-mode", *NO_SUBSTITUTERS)


def test_reading_the_output_fetches_it(
    oracle: Any, store: Store, served: Server, capfd: pytest.CaptureFixture[str]
) -> None:
    digest = _hash(oracle, served.root / "file.txt", "--flat")
    fetch = f'import <nix/fetchurl.nix> {{ url = "{served.url}/file.txt"; sha256 = "{digest}"; }}'
    _both(oracle, store, capfd, f"builtins.readFile ({fetch})")


def test_an_executable_file_is_fetched_by_its_nar_hash(
    oracle: Any, store: Store, served: Server, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "executable"
    copy.write_bytes((served.root / "file.txt").read_bytes())
    copy.chmod(0o755)
    digest = _hash(oracle, copy)
    url = f"file://{served.root}/file.txt"
    fetch = (
        f'import <nix/fetchurl.nix> {{ url = "{url}"; sha256 = "{digest}"; executable = true; }}'
    )
    _both(oracle, store, capfd, f'builtins.readFile "${{{fetch}}}"')


@pytest.mark.parametrize("compressed", [False, True], ids=["nar", "nar.xz"])
def test_unpack_restores_a_nar(
    oracle: Any,
    store: Store,
    served: Server,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    compressed: bool,
) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "inner.txt").write_text(f"restored for {tmp_path}\n")
    nar = oracle.run("nix-store", "--dump", tree).stdout
    name = "tree.nar.xz" if compressed else "tree.nar"
    (served.root / name).write_bytes(lzma.compress(nar) if compressed else nar)
    digest = _hash(oracle, tree)
    fetch = (
        f'import <nix/fetchurl.nix> {{ url = "{served.url}/{name}"; sha256 = "{digest}"; '
        "unpack = true; }"
    )
    _both(oracle, store, capfd, f'builtins.readFile "${{{fetch}}}/sub/inner.txt"')


def test_unpack_of_what_is_not_a_nar_fails_as_the_builder_does(
    oracle: Any, store: Store, served: Server, capfd: pytest.CaptureFixture[str]
) -> None:
    fetch = (
        f'import <nix/fetchurl.nix> {{ url = "{served.url}/pkg.tar.gz"; sha256 = "{ZERO}"; '
        "unpack = true; }"
    )
    _both(oracle, store, capfd, f'builtins.readFile "${{{fetch}}}/x"')


def test_a_hash_mismatch_is_the_derivations(
    oracle: Any, store: Store, served: Server, capfd: pytest.CaptureFixture[str]
) -> None:
    fetch = f'import <nix/fetchurl.nix> {{ url = "{served.url}/file.txt"; sha256 = "{ZERO}"; }}'
    _both(oracle, store, capfd, f"builtins.readFile ({fetch})")


def test_without_read_write_mode_the_derivation_is_not_valid(
    oracle: Any, store: Store, served: Server, capfd: pytest.CaptureFixture[str]
) -> None:
    digest = _hash(oracle, served.root / "file.txt", "--flat")
    fetch = f'import <nix/fetchurl.nix> {{ url = "{served.url}/file.txt"; sha256 = "{digest}"; }}'
    expr = f"builtins.readFile ({fetch})"
    assert ours(store, expr, capfd) == reference(oracle, expr, *NO_SUBSTITUTERS)
