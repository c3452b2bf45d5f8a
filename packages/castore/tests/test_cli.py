"""The ``tvix-castore`` command, run as a user runs it (a subprocess)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from tvix_castore.digest import B3Digest


def run(
    tmp: Path, *args: str, input: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp / "xdg")}
    result = subprocess.run(
        [sys.executable, "-m", "tvix_castore", *args],
        input=input,
        capture_output=True,
        env=env,
        check=False,
    )
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    if check:
        assert result.returncode == 0, result.stderr.decode()
    return result


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "hello").write_bytes(b"#!/bin/sh\necho hello\n")
    (root / "bin" / "hello").chmod(0o755)
    (root / "README").write_bytes(b"read me\n")
    (root / "latest").symlink_to("bin/hello")
    return root


def test_import_ls_cat_with_the_embedded_store(tmp_path: Path, tree: Path) -> None:
    out = run(tmp_path, "import", str(tree)).stdout.decode().split()
    assert out[0] == "directory" and out[2] == "4"
    root = out[1]
    assert (tmp_path / "xdg" / "tvix" / "directories.sqlite").is_file()
    listing = run(tmp_path, "ls", root).stdout.decode().splitlines()
    assert listing == [
        f"file {B3Digest.of(b'read me' + bytes([10]))} 8 README",
        listing[1],
        "symlink bin/hello latest",
    ]
    assert listing[1].startswith("directory b3:") and listing[1].endswith(" 1 bin")
    assert run(tmp_path, "ls", root, "bin").stdout.decode().endswith(" 21 executable hello\n")
    assert run(tmp_path, "cat", root, "bin/hello").stdout == b"#!/bin/sh\necho hello\n"
    digest = str(B3Digest.of(b"read me\n"))
    assert run(tmp_path, "cat", digest).stdout == b"read me\n"


def test_import_of_a_single_file_and_symlink(tmp_path: Path, tree: Path) -> None:
    line = run(tmp_path, "import", str(tree / "bin" / "hello")).stdout.decode()
    content = (tree / "bin" / "hello").read_bytes()
    assert line == f"file {B3Digest.of(content)} 21 executable\n"
    assert run(tmp_path, "import", str(tree / "latest")).stdout == b"symlink bin/hello\n"


def test_import_with_progress_shown(tmp_path: Path, tree: Path) -> None:
    quiet = run(tmp_path, "import", "--no-progress", str(tree)).stdout
    assert run(tmp_path, "import", "--progress", str(tree)).stdout == quiet


def test_import_archive_from_stdin_matches_the_tree(tmp_path: Path, tree: Path) -> None:
    expected = run(tmp_path, "import", str(tree)).stdout
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(tree.rglob("*")):
            archive.add(path, arcname=str(path.relative_to(tree)), recursive=False)
    got = run(tmp_path, "import", "--archive", "-", input=buffer.getvalue()).stdout
    assert got == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cat", "b3:nonsense"), "not a blake3 digest"),
        (("cat", str(B3Digest.of(b"absent"))), "not found"),
        (("ls", str(B3Digest.of(b"absent"))), "not found"),
        (("import", "/nonexistent/path"), "No such file"),
        (("--blob-service-addr", "ftp://x", "cat", str(B3Digest.of(b""))), "unknown blob"),
        (("--config", "/nonexistent.toml", "ls", str(B3Digest.of(b""))), "No such file"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(tmp_path, *args, check=False)
    assert result.returncode == 1
    assert result.stderr.decode().startswith("error: ")
    assert message in result.stderr.decode()


def test_serve_then_use_it_over_grpc(tmp_path: Path, tree: Path) -> None:
    sock = tmp_path / "castore.sock"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "server")}
    server = subprocess.Popen(
        [sys.executable, "-m", "tvix_castore", "serve", "--listen", f"unix:{sock}"],
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            assert server.poll() is None, server.stderr.read() if server.stderr else b""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        remote = (
            "--blob-service-addr",
            f"grpc+unix://{sock}",
            "--directory-service-addr",
            f"grpc+unix://{sock}",
        )
        root = run(tmp_path, *remote, "import", str(tree)).stdout.decode().split()[1]
        assert run(tmp_path, *remote, "cat", root, "README").stdout == b"read me\n"
        # It went into the server's embedded store, not the client's.
        assert (tmp_path / "server" / "tvix" / "directories.sqlite").is_file()
        assert not (tmp_path / "xdg").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0


_NO_SUCH_ROOT = "b3:" + "A" * 43 + "="


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--blob-service-addr", ""], "an empty string is not a blob service URL"),
        (["--directory-service-addr", ""], "an empty string is not a directory service URL"),
        (
            ["--directory-service-addr", "grpc+http://127.0.0.1:99999"],
            "the port must be a number from 0 to 65535",
        ),
        (["--directory-service-addr", "grpc+http://127.0.0.1:-1"], "the port must be"),
    ],
)
def test_bad_service_addresses_are_one_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(tmp_path, *args, "ls", _NO_SUCH_ROOT, check=False)
    assert result.returncode == 1
    assert message in result.stderr.decode()


def test_a_read_only_command_creates_no_folder_or_database(tmp_path: Path) -> None:
    database = tmp_path / "missing" / "dir" / "x.sqlite"
    result = run(
        tmp_path,
        "--directory-service-addr",
        f"sqlite://{database}",
        "ls",
        _NO_SUCH_ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert b"the folder" in result.stderr and b"does not exist" in result.stderr
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("name", "text"), [("c.json", "[" * 100_000), ("c.toml", "a = " + "[" * 100_000)]
)
def test_a_deeply_nested_config_is_one_error(tmp_path: Path, name: str, text: str) -> None:
    config = tmp_path / name
    config.write_text(text)
    result = run(tmp_path, "--config", str(config), "ls", _NO_SUCH_ROOT, check=False)
    assert result.returncode == 1
    assert b"nested too deeply" in result.stderr


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "x"])
def test_serve_refuses_a_port_out_of_range(tmp_path: Path, port: str) -> None:
    result = run(tmp_path, "serve", "--listen", f"127.0.0.1:{port}", check=False)
    assert result.returncode == 1
    assert f"127.0.0.1:{port}".encode() in result.stderr
