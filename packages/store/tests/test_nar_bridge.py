"""nar-bridge against the reference's own clients: `nix copy --to` and `--from`,
`nix-store -r` with it as a substituter; listings, Range requests; and every kind of bad or
broken upload, which leaves the path invalid and a later good upload working."""

from __future__ import annotations

import importlib
import json
import socket
import threading
from pathlib import Path

import httpx
import pytest
from nix_compat.store_path import StorePath

support = importlib.import_module("store_support")
run = support.run

NIX = ("nix", "--extra-experimental-features", "nix-command")


def _no_substituters(tmp: Path) -> dict[str, str]:
    # The reference caches narinfo lookups: each command gets a fresh cache folder.
    return {"XDG_CACHE_HOME": str(tmp), "PATH": "/usr/bin:/bin"}


def _copy_to(oracle, tmp: Path, url: str, path: str, check: bool = True):  # type: ignore[no-untyped-def]
    return oracle.run(
        *NIX,
        "copy",
        "--option",
        "substituters",
        "",
        "--to",
        url,
        path,
        env=_no_substituters(tmp),
        check=check,
    )


def _copy_from(oracle, tmp: Path, url: str, store: Path, key: str, path: str):  # type: ignore[no-untyped-def]
    return oracle.run(
        *NIX,
        "copy",
        "--option",
        "substituters",
        "",
        "--from",
        url,
        "--store",
        store,
        "--option",
        "trusted-public-keys",
        key,
        path,
        env=_no_substituters(tmp),
    )


@pytest.fixture(scope="module")
def keys(oracle, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("bridge-keys")
    oracle.run("nix-store", "--generate-binary-cache-key", "bridge-1", folder / "sk", folder / "pk")
    return folder / "sk", (folder / "pk").read_text().strip()


def _valid(url: str, path: str) -> bool:
    hash_part = StorePath.from_absolute_path(path).hash_part
    return httpx.head(f"{url}/{hash_part}.narinfo").status_code == 200


@pytest.mark.parametrize("compression", ["none", "xz", "zstd"])
def test_nix_copy_to_then_from_gives_the_same_paths(
    oracle,
    reference_closure,
    nar_bridge,
    keys,
    tmp_path: Path,
    compression: str,  # type: ignore[no-untyped-def]
) -> None:
    top, leaf, _ = reference_closure
    bridge = nar_bridge("--secret-key-file", str(keys[0]))
    _copy_to(oracle, tmp_path / "c1", f"{bridge.url}?compression={compression}", top)
    store = tmp_path / "fresh-store"
    _copy_from(oracle, tmp_path / "c2", bridge.url, store, keys[1], top)
    oracle.run(*NIX, "--store", store, "store", "verify", "--sigs-needed", "1", "-r", top)
    for path in (top, leaf):
        theirs = json.loads(
            oracle.out(*NIX, "path-info", "--option", "substituters", "", "--json", path)
        )
        copied = json.loads(oracle.out(*NIX, "--store", store, "path-info", "--json", path))
        assert copied[path]["narHash"] == theirs[path]["narHash"]
        assert copied[path]["references"] == theirs[path]["references"]


def test_nix_store_realises_from_it_as_a_substituter(
    oracle,
    reference_closure,
    nar_bridge,
    keys,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    top, _, _ = reference_closure
    bridge = nar_bridge("--secret-key-file", str(keys[0]))
    _copy_to(oracle, tmp_path / "c1", bridge.url, top)
    store = tmp_path / "substituted"
    oracle.run(
        "nix-store",
        "--store",
        store,
        "-r",
        top,
        "--option",
        "substituters",
        bridge.url,
        "--option",
        "trusted-public-keys",
        keys[1],
        env=_no_substituters(tmp_path / "c2"),
    )
    oracle.run(*NIX, "--store", store, "store", "verify", "-r", top)


def test_listing_and_ranges_are_the_references(
    oracle,
    nar_bridge,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    # The reference cannot list names that are not UTF-8: a tree without one.
    tree = support.make_tree(tmp_path / "utf8-tree")
    (tree / "caf\udce9-not-utf8").rmdir()
    (tree / "café ☕").write_text("unicode names are fine\n")
    leaf = top = oracle.out("nix-store", "--add", tree)
    bridge = nar_bridge()
    _copy_to(oracle, tmp_path / "c1", bridge.url, top)
    listed = tmp_path / "listed"
    _copy_to(oracle, tmp_path / "c2", f"file://{listed}?write-nar-listing=true", top)
    hash_part = StorePath.from_absolute_path(leaf).hash_part
    ours = httpx.get(f"{bridge.url}/{hash_part}.ls")
    assert ours.status_code == 200
    assert ours.content == (listed / f"{hash_part}.ls").read_bytes()

    nar = oracle.run("nix-store", "--dump", leaf).stdout
    narinfo = httpx.get(f"{bridge.url}/{hash_part}.narinfo").text
    url = f"{bridge.url}/" + next(
        line[5:] for line in narinfo.splitlines() if line.startswith("URL: ")
    )
    assert httpx.get(url).content == nar
    for header, part in [
        ("bytes=0-99", nar[:100]),
        ("bytes=1000-", nar[1000:]),
        ("bytes=-17", nar[-17:]),
        (f"bytes={len(nar) - 5}-{len(nar) + 100}", nar[-5:]),
    ]:
        answer = httpx.get(url, headers={"Range": header})
        assert answer.status_code == 206 and answer.content == part, header
    assert httpx.get(url, headers={"Range": f"bytes={len(nar)}-"}).status_code == 416
    assert httpx.get(f"{bridge.url}/nar/tvix-castore/AAAA?narsize=1").status_code == 404
    assert httpx.get(f"{bridge.url}/{'0' * 32}.narinfo").status_code == 404


def _upload(oracle, tmp: Path, path: str) -> tuple[dict[str, bytes], str]:  # type: ignore[no-untyped-def]
    """The files `nix copy --to` makes for ``path`` (its closure), and the narinfo key."""
    folder = tmp / "files"
    _copy_to(oracle, tmp / "c", f"file://{folder}?compression=xz", path)
    files = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    return files, f"{StorePath.from_absolute_path(path).hash_part}.narinfo"


def _nar_of(files: dict[str, bytes], narinfo_key: str) -> str:
    return next(
        line[5:] for line in files[narinfo_key].decode().splitlines() if line.startswith("URL: ")
    )


def test_bad_uploads_are_refused_and_a_good_one_then_works(
    oracle,
    reference_closure,
    nar_bridge,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    top, leaf, _ = reference_closure
    bridge = nar_bridge()
    files, top_info = _upload(oracle, tmp_path, top)
    leaf_info = f"{StorePath.from_absolute_path(leaf).hash_part}.narinfo"
    leaf_nar = _nar_of(files, leaf_info)

    def put(key: str, body: bytes) -> httpx.Response:
        return httpx.put(f"{bridge.url}/{key}", content=body)

    # A narinfo whose NAR never arrived.
    answer = put(leaf_info, files[leaf_info])
    assert answer.status_code == 400 and b"was not uploaded" in answer.content
    # A NAR that does not hash to its name, a corrupt one, one that is not xz.
    corrupt = bytearray(files[leaf_nar])
    corrupt[len(corrupt) // 2] ^= 0xFF
    assert put(leaf_nar, bytes(corrupt)).status_code == 400
    assert put("nar/" + "0" * 52 + ".nar.xz", files[leaf_nar]).status_code == 400
    assert put(leaf_nar.removesuffix(".xz"), files[leaf_nar]).status_code == 400
    assert put("nar/not-a-nar", b"x").status_code == 400
    # A narinfo whose NarHash is not its NAR's.
    assert put(leaf_nar, files[leaf_nar]).status_code == 200
    wrong = files[leaf_info].replace(b"NarSize: ", b"NarSize: 1")
    assert put(leaf_info, wrong).status_code == 400
    # A narinfo for another path, and one that is not a narinfo.
    assert put(top_info, files[leaf_info]).status_code == 400
    assert put(leaf_info, b"StorePath: junk\n").status_code == 400
    # The top path before the leaf it refers to.
    top_nar = _nar_of(files, top_info)
    assert put(top_nar, files[top_nar]).status_code == 200
    answer = put(top_info, files[top_info])
    assert answer.status_code == 400 and b"upload the references first" in answer.content
    assert not _valid(bridge.url, top) and not _valid(bridge.url, leaf)
    # Now the good upload.
    assert put(leaf_info, files[leaf_info]).status_code == 200
    assert put(top_info, files[top_info]).status_code == 200
    assert _valid(bridge.url, top) and _valid(bridge.url, leaf)


def _put_nar_then_narinfo(url: str, files: dict[str, bytes], nar: str, info: str) -> list[int]:
    """Upload a path as ``nix copy --to`` does, its NAR first; the two answers' statuses."""
    return [httpx.put(f"{url}/{key}", content=files[key]).status_code for key in (nar, info)]


def _send_part(url: str, key: str, body: bytes, declared: int) -> None:
    """A PUT that announces ``declared`` bytes, sends ``body`` and hangs up."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as conn:
        head = f"PUT /{key} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {declared}\r\n\r\n"
        conn.sendall(head.encode() + body)


def test_a_client_that_disconnects_mid_upload_leaves_nothing(
    oracle,
    reference_closure,
    nar_bridge,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    _, leaf, _ = reference_closure
    bridge = nar_bridge()
    files, leaf_info = _upload(oracle, tmp_path, leaf)
    nar = _nar_of(files, leaf_info)
    _send_part(bridge.url, nar, files[nar][: len(files[nar]) // 2], len(files[nar]))
    answer = httpx.put(f"{bridge.url}/{leaf_info}", content=files[leaf_info])
    assert answer.status_code == 400
    assert not _valid(bridge.url, leaf)
    assert _put_nar_then_narinfo(bridge.url, files, nar, leaf_info) == [200, 200]
    assert _valid(bridge.url, leaf)


def test_killed_mid_upload_and_restarted_on_the_same_store(
    oracle,
    reference_closure,
    nar_bridge,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    _, leaf, _ = reference_closure
    store = tmp_path / "kept-store"
    bridge = nar_bridge(data_home=store)
    files, leaf_info = _upload(oracle, tmp_path, leaf)
    nar = _nar_of(files, leaf_info)
    host, port = bridge.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as conn:
        head = f"PUT /{nar} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(files[nar])}\r\n\r\n"
        conn.sendall(head.encode() + files[nar][: len(files[nar]) // 2])
        bridge.kill()  # SIGKILL, mid-upload
    again = nar_bridge(data_home=store)
    assert not _valid(again.url, leaf)
    answer = httpx.put(f"{again.url}/{leaf_info}", content=files[leaf_info])
    assert answer.status_code == 400  # its NAR is not known to the restarted bridge
    assert _put_nar_then_narinfo(again.url, files, nar, leaf_info) == [200, 200]
    assert _valid(again.url, leaf)


def test_concurrent_uploads_of_one_path_and_many_readers(
    oracle,
    reference_closure,
    nar_bridge,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    _, leaf, _ = reference_closure
    bridge = nar_bridge()
    files, leaf_info = _upload(oracle, tmp_path, leaf)
    nar = _nar_of(files, leaf_info)
    statuses: list[int] = []

    def upload() -> None:
        with httpx.Client(timeout=60) as client:
            statuses.append(client.put(f"{bridge.url}/{nar}", content=files[nar]).status_code)
            statuses.append(
                client.put(f"{bridge.url}/{leaf_info}", content=files[leaf_info]).status_code
            )

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 12
    expected = oracle.run("nix-store", "--dump", leaf).stdout
    narinfo = httpx.get(f"{bridge.url}/{leaf_info}").text
    url = f"{bridge.url}/" + next(
        line[5:] for line in narinfo.splitlines() if line.startswith("URL: ")
    )
    bodies: list[bytes] = []

    def read() -> None:
        with httpx.Client(timeout=60) as client:
            bodies.append(client.get(url).content)

    readers = [threading.Thread(target=read) for _ in range(8)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    assert bodies == [expected] * 8


def test_our_copy_to_and_from_it(
    oracle,
    reference_closure,
    nar_bridge,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    top, leaf, _ = reference_closure
    bridge = nar_bridge()
    seed = tmp_path / "seed"
    _copy_to(oracle, tmp_path / "c", f"file://{seed}", top)
    run(tmp_path / "a", "copy", "--no-check-sigs", "--from", f"file://{seed}", top)
    run(tmp_path / "a", "copy", "--to", f"{bridge.url}?compression=zstd", top)
    assert _valid(bridge.url, top) and _valid(bridge.url, leaf)
    run(tmp_path / "b", "copy", "--no-check-sigs", "--from", bridge.url, top)
    assert run(tmp_path / "b", "nar", top).stdout == oracle.run("nix-store", "--dump", top).stdout


def test_bad_command_lines(tmp_path: Path) -> None:
    import subprocess
    import sys

    for args, message in [
        (["--listen-address", "127.0.0.1:99999"], b"the port must be"),
        (["--listen-address", "nohost"], b"expected HOST:PORT"),
        (["--secret-key-file", "/nonexistent"], b"No such file"),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "tvix_store.nar_bridge", *args],
            capture_output=True,
            env={"XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
            check=False,
            timeout=60,
        )
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert b"Traceback" not in result.stderr


def test_no_traceback_reaches_a_client(nar_bridge) -> None:  # type: ignore[no-untyped-def]
    bridge = nar_bridge()
    for method, key in [
        ("GET", "nar/tvix-castore/%%%"),
        ("PUT", "x.narinfo"),
        ("DELETE", "nix-cache-info"),
    ]:
        answer = httpx.request(method, f"{bridge.url}/{key}", content=b"\xff" * 10)
        assert answer.status_code >= 400
        assert b"Traceback" not in answer.content
