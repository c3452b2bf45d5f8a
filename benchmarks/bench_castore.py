"""tvix-castore: ingest against the reference's ``nix-store --add``, gRPC blob throughput
against a local file copy, and directory closure fetch latency over gRPC.

Each run makes a fresh random tree under /tmp (so neither side finds it already stored),
imports it with the reference and with us (into the embedded default layout: local object
store files + sqlite), and prints our time over theirs.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_nar import oracle_prefix
from tvix_castore.blobs.grpc import GrpcBlobService
from tvix_castore.blobs.objectstore import ObjectStoreBlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.grpc import GrpcDirectoryService
from tvix_castore.directories.sqlite import SqliteDirectoryService
from tvix_castore.grpc_channel import channel_from_url
from tvix_castore.ingest import ingest_path
from tvix_castore.nodes import DirectoryNode
from tvix_castore.server import serve

ROOT = Path(__file__).resolve().parent.parent


def make_tree(root: Path, files: int, large: int, large_size: int) -> int:
    """Random small files in nested folders plus a few large ones; returns total bytes."""
    rng = random.Random()
    total = 0
    per_dir = 50
    for i in range(files):
        folder = root / f"d{i // (per_dir * per_dir)}" / f"e{(i // per_dir) % per_dir}"
        folder.mkdir(parents=True, exist_ok=True)
        data = os.urandom(rng.randint(64, 16 * 1024))
        path = folder / f"f{i}"
        path.write_bytes(data)
        if i % 17 == 0:
            path.chmod(0o755)
        if i % 101 == 0:
            (folder / f"l{i}").symlink_to(path.name)
        total += len(data)
    for i in range(large):
        with open(root / f"large{i}.bin", "wb") as out:
            left = large_size
            while left:
                piece = os.urandom(min(left, 8 * 1024 * 1024))
                out.write(piece)
                left -= len(piece)
        total += large_size
    return total


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def bench_ingest(
    work: Path, store: Path, smoke: bool, oracle: list[str] | None
) -> tuple[int, DirectoryNode]:
    tree = work / "tree"
    tree.mkdir()
    if smoke:
        size = make_tree(tree, files=300, large=1, large_size=2 * 1024 * 1024)
    else:
        size = make_tree(tree, files=30_000, large=6, large_size=256 * 1024 * 1024)
    count = sum(1 for _ in tree.rglob("*"))
    print(f"tree: {count} entries, {size / 2**20:.1f} MiB")
    blobs = ObjectStoreBlobService.local(store / "blobs")
    dirs = SqliteDirectoryService(store / "directories.sqlite")
    ours, root = timed(lambda: ingest_path(tree, blobs, dirs))
    assert isinstance(root, DirectoryNode)
    print(f"ingest (tvix-castore): {ours:.2f} s, {size / 2**20 / ours:.0f} MiB/s")
    status = 0
    if oracle is None:
        print("ingest (nix-store --add): skipped, no reference Nix (set NIX_ORACLE)")
    else:
        theirs, result = timed(
            lambda: subprocess.run(
                [*oracle, "nix-store", "--add", str(tree)], capture_output=True, check=False
            )
        )
        assert isinstance(result, subprocess.CompletedProcess)
        if result.returncode != 0:
            print(f"nix-store --add failed: {result.stderr.decode(errors='replace')}")
            status = 1
        else:
            print(f"ingest (nix-store --add): {theirs:.2f} s")
            print(f"ratio ingest ours/reference: {ours / theirs:.2f}")
    blobs.close()
    dirs.close()
    return status, root


def bench_grpc_blobs(work: Path, smoke: bool) -> int:
    size = (4 if smoke else 512) * 1024 * 1024
    data_path = work / "blob.bin"
    with open(data_path, "wb") as out:
        for _ in range(size // (8 * 1024 * 1024) or 1):
            out.write(os.urandom(min(size, 8 * 1024 * 1024)))
    size = data_path.stat().st_size
    copy_time, _ = timed(lambda: shutil.copyfile(data_path, work / "blob.copy"))
    # The server runs in its own process, as it does in use (not sharing our GIL).
    sock = work / "b.sock"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tvix_castore",
            "--blob-service-addr",
            f"objectstore+file://{work / 'served-blobs'}",
            "--directory-service-addr",
            "memory://",
            "serve",
            "--listen",
            f"unix:{sock}",
        ],
        stderr=subprocess.DEVNULL,
    )
    client = GrpcBlobService(channel_from_url(f"grpc+unix://{sock}"))
    try:
        deadline = time.monotonic() + 30
        while not sock.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                print("gRPC server did not start")
                return 1
            time.sleep(0.05)

        def write() -> B3Digest:
            with open(data_path, "rb") as source, client.open_write() as writer:
                while piece := source.read(1024 * 1024):
                    writer.write(piece)
            return writer.close()

        write_time, digest = timed(write)
        assert isinstance(digest, B3Digest)

        def read() -> int:
            n = 0
            with client.open_read(digest) as reader:
                while piece := reader.read(1024 * 1024):
                    n += len(piece)
            return n

        read_time, n = timed(read)
        assert n == size
    finally:
        client.close()
        server.terminate()
        server.wait()
    mib = size / 2**20
    print(f"local file copy: {copy_time:.3f} s ({mib / copy_time:.0f} MiB/s)")
    print(f"gRPC blob write: {write_time:.3f} s ({mib / write_time:.0f} MiB/s)")
    print(f"gRPC blob read: {read_time:.3f} s ({mib / read_time:.0f} MiB/s)")
    print(f"ratio gRPC write/local copy: {write_time / copy_time:.2f}")
    print(f"ratio gRPC read/local copy: {read_time / copy_time:.2f}")
    return 0


def bench_closure_fetch(work: Path, store: Path, root: DirectoryNode) -> int:
    dirs = SqliteDirectoryService(store / "directories.sqlite")
    running = serve(ObjectStoreBlobService.memory(), dirs, f"unix:{work / 'd.sock'}")
    client = GrpcDirectoryService(channel_from_url(running.url))
    try:
        local_time, local = timed(lambda: list(dirs.get_recursive(root.digest)))
        remote_time, remote = timed(lambda: list(client.get_recursive(root.digest)))
        assert isinstance(local, list) and isinstance(remote, list)
        assert [d.digest for d in local] == [d.digest for d in remote]
    finally:
        client.close()
        running.stop(0)
    print(
        f"closure fetch ({len(remote)} directories): sqlite {local_time * 1000:.1f} ms, "
        f"over gRPC {remote_time * 1000:.1f} ms"
    )
    return 0


def run(smoke: bool) -> int:
    oracle = oracle_prefix()
    # The tree lies in /tmp, where the reference can see it; both stores lie under the home
    # folder (the reference's /nix/store is there too), since creating files in /tmp is
    # far slower on this machine than anywhere else.
    cache = Path.home() / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-castore-", dir="/tmp") as scratch,
        tempfile.TemporaryDirectory(prefix="bench-castore-store-", dir=cache) as store,
    ):
        work = Path(scratch)
        status, root = bench_ingest(work, Path(store), smoke, oracle)
        status |= bench_grpc_blobs(Path(store), smoke)
        status |= bench_closure_fetch(work, Path(store), root)
    return status
