"""The ``tvix-store`` command, run as a user runs it, against the reference's answers."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

support = importlib.import_module("store_support")
run = support.run


def test_import_gives_the_path_nix_store_add_gives(oracle, tmp_path: Path, tree: Path) -> None:  # type: ignore[no-untyped-def]
    expected = oracle.out("nix-store", "--add", tree)
    assert run(tmp_path, "import", tree).stdout.decode().strip() == expected
    assert (tmp_path / "xdg" / "tvix" / "pathinfo.sqlite").is_file()


def test_import_with_a_name(oracle, tmp_path: Path, tree: Path) -> None:  # type: ignore[no-untyped-def]
    # The reference takes the name from the path: give it a copy so named.
    shutil.copytree(tree, tmp_path / "renamed", symlinks=True)
    expected = oracle.out("nix-store", "--add", tmp_path / "renamed")
    assert run(tmp_path, "import", "--name", "renamed", tree).stdout.decode().strip() == expected


def test_path_info_json_is_the_references(oracle, tmp_path: Path, tree: Path) -> None:  # type: ignore[no-untyped-def]
    path = oracle.out("nix-store", "--add", tree)
    reference = json.loads(
        oracle.out("nix", "path-info", "--option", "substituters", "", "--json", path)
    )
    run(tmp_path, "import", tree)
    ours = json.loads(run(tmp_path, "path-info", "--json", path).stdout)
    for field in ("ca", "deriver", "narHash", "narSize", "references", "signatures"):
        assert ours[path][field] == reference[path][field], field
    # A path below a store path names that store path, as for nix path-info.
    assert run(tmp_path, "path-info", path + "/bin/hello").stdout.decode().strip() == path


def test_nar_is_the_references_dump(oracle, tmp_path: Path, tree: Path) -> None:  # type: ignore[no-untyped-def]
    path = run(tmp_path, "import", tree).stdout.decode().strip()
    assert run(tmp_path, "nar", path).stdout == oracle.run("nix-store", "--dump", tree).stdout


def test_an_unknown_path(oracle, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = "/nix/store/00000000000000000000000000000000-x"
    reference = oracle.run("nix", "path-info", "--option", "substituters", "", path, check=False)
    ours = run(tmp_path, "path-info", path, check=False)
    assert (ours.returncode, ours.stderr.decode().splitlines()[-1]) == (
        reference.returncode,
        reference.stderr.decode().splitlines()[-1],
    )
    reference_json = oracle.run(
        "nix", "path-info", "--option", "substituters", "", "--json", path, check=False
    )
    assert json.loads(run(tmp_path, "path-info", "--json", path).stdout) == json.loads(
        reference_json.stdout
    )
    ours = run(tmp_path, "nar", path, check=False)
    assert ours.returncode == 1
    assert ours.stderr.decode() == f"error: path '{path}' is not valid\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/nonexistent/x"], "No such file or directory"),
        (["import", "--name", "bad/name", "/"], "illegal character"),
        (["path-info", "/tmp/x"], "is not in the Nix store"),
        (["path-info", "/nix/store/short-x"], "not a store path base name"),
        (
            [
                "--path-info-service-addr",
                "nosuch://",
                "path-info",
                "/nix/store/00000000000000000000000000000000-x",
            ],
            "nosuch",
        ),
        (
            [
                "--store-config",
                "/nonexistent.toml",
                "path-info",
                "/nix/store/00000000000000000000000000000000-x",
            ],
            "No such file",
        ),
    ],
)
def test_bad_input_is_one_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(tmp_path, *args, check=False)
    assert result.returncode == 1
    assert result.stderr.decode().startswith("error: ")
    assert message in result.stderr.decode()


def test_daemon_serves_castore_and_store_to_other_commands(
    oracle,
    tmp_path: Path,
    tree: Path,  # type: ignore[no-untyped-def]
) -> None:
    socket = tmp_path / "store.sock"
    server = subprocess.Popen(
        [sys.executable, "-m", "tvix_store", "daemon", "--listen-address", f"unix://{socket}"],
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "server")},
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not socket.exists():
            assert server.poll() is None, server.stderr.read() if server.stderr else b""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        url = f"grpc+unix://{socket}"
        remote = {
            "BLOB_SERVICE_ADDR": url,
            "DIRECTORY_SERVICE_ADDR": url,
            "PATH_INFO_SERVICE_ADDR": url,
        }
        path = run(tmp_path, "import", tree, env=remote).stdout.decode().strip()
        assert path == oracle.out("nix-store", "--add", tree)
        assert run(tmp_path, "nar", path, env=remote).stdout == (
            oracle.run("nix-store", "--dump", tree).stdout
        )
        # What the client stored is in the server's embedded store.
        local = run(tmp_path / "other", "path-info", path, check=False)
        assert local.returncode == 1
        served = run(
            tmp_path / "server-view",
            "path-info",
            path,
            env={"XDG_DATA_HOME": str(tmp_path / "server")},
        )
        assert served.stdout.decode().strip() == path
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0
