"""NAR dump, restore and hash: nix-compat against the reference C++ Nix, on the same tree.

Two trees (in /dev/shm when it has room, else /tmp): "mixed" has several thousand small files
in nested directories, executables and symlinks, plus a few large files, about 1 GiB in all;
"small files" has 20,000 small files, where the cost per file shows. With ``smoke`` both are
tiny. Each step is timed five times (once with ``smoke``) and the best time kept, for:

- ours in-process: ``dump_path`` into /dev/null, ``restore`` from a NAR file, ``hash_path``;
- ours through the command: ``nix-compat nar dump > /dev/null``, ``nix-compat nar restore <
  NAR``, ``nix-compat hash path --type sha256`` (a fresh interpreter each time, as a user runs
  it);
- the reference: ``nix-store --dump > /dev/null``, ``nix-store --restore < NAR``, ``nix-hash
  --type sha256``, through the oracle wrapper, whose sandbox costs it ~0.06 s a call.

The variants run in turns, and before each restore the last one is removed and the page cache
written back. Ratios are ours / reference (lower is better). The outputs are checked to agree
first.
"""

from __future__ import annotations

import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nix_compat.nar import dump_path, hash_path, restore
from nix_compat.nar.format import CHUNK_SIZE

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20
REPEAT = 5
SMOKE_REPEAT = 1


def oracle_prefix() -> list[str] | None:
    configured = os.environ.get("NIX_ORACLE")
    if configured:
        return shlex.split(configured)
    shared = ROOT.parent / "shared" / "oracle" / "nix-oracle"
    if shared.exists():
        return [str(shared)]
    if shutil.which("nix-store"):
        return []
    return None


def scratch_base(smoke: bool) -> str:
    """Memory (tmpfs) when it has room, so that the timings are of the two programs and not
    of a disk shared with whatever else runs; /tmp otherwise."""
    try:
        room = os.statvfs("/dev/shm")
    except OSError:
        return "/tmp"
    return "/dev/shm" if smoke or room.f_bavail * room.f_frsize > 4 << 30 else "/tmp"


#: The trees: name -> (small files, sizes of the large files), full size and smoke size.
TREES: dict[str, tuple[tuple[int, list[int]], tuple[int, list[int]]]] = {
    "mixed": ((6000, [400 * MiB + 3, 300 * MiB + 1, 250 * MiB]), (60, [1 * MiB + 3])),
    "small files": ((20000, []), (200, [])),
}


def build_tree(root: Path, small_files: int, large_sizes: list[int]) -> int:
    """Create a benchmark tree; return its total file size in bytes."""
    rng = random.Random(42)
    total = 0
    root.mkdir()
    directories = [root]
    for i in range(small_files // 20):
        parent = rng.choice(directories)
        child = parent / f"dir{i:04d}"
        child.mkdir()
        directories.append(child)
    payload = os.urandom(64 * 1024)
    for i in range(small_files):
        size = rng.choice((0, 17, 300, 1000, 4096, 9000, 20000, 60000))
        path = rng.choice(directories) / f"file{i:05d}.dat"
        start = rng.randrange(len(payload) - size + 1)
        path.write_bytes(payload[start : start + size])
        if i % 7 == 0:
            path.chmod(0o755)
        if i % 50 == 0:
            os.symlink(f"../file{i:05d}.dat", path.with_suffix(".link"))
        total += size
    block = os.urandom(MiB)
    for n, size in enumerate(large_sizes):
        with open(root / f"large{n}.bin", "wb") as f:
            for _ in range(size // MiB):
                f.write(block)
            f.write(block[: size % MiB])
        total += size
    return total


Step = tuple[Callable[[], object], Callable[[], object] | None]


def best(repeat: int, *variants: Step) -> list[float]:
    """The best of ``repeat`` timings of each variant, run in turns so that none of them pays
    alone for what another left behind (dirty pages, a cold cache); each variant's
    ``before`` runs untimed ahead of it."""
    times: list[list[float]] = [[] for _ in variants]
    for _ in range(repeat):
        for index, (step, before) in enumerate(variants):
            if before is not None:
                before()
            start = time.perf_counter()
            step()
            times[index].append(time.perf_counter() - start)
    return [min(t) for t in times]


def shell(argv: list[str], stdin: Path | None = None, stdout: int | None = None) -> bytes:
    with open(stdin or os.devnull, "rb") as source:
        result = subprocess.run(
            argv, stdin=source, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE
        )
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed: {result.stderr.decode()}")
    return result.stdout or b""


def run(smoke: bool) -> int:
    here = os.getcwd()
    try:
        return _run(smoke)
    finally:
        os.chdir(here)


def _run(smoke: bool) -> int:
    prefix = oracle_prefix()
    if prefix is None:
        print(
            "no reference C++ Nix (NIX_ORACLE, ../shared/oracle or nix-store): nothing to compare"
        )
        return 0
    base = scratch_base(smoke)
    status = 0
    for name, (full, tiny) in TREES.items():
        with tempfile.TemporaryDirectory(prefix="bench-nar-", dir=base) as scratch:
            work = Path(scratch)
            os.chdir(work)  # the reference's sandbox sees the current folder
            size = build_tree(work / "tree", *(tiny if smoke else full))
            status |= _measure(name, work, size, prefix, SMOKE_REPEAT if smoke else REPEAT)
    return status


def _measure(name: str, work: Path, size: int, prefix: list[str], repeat: int) -> int:
    """Check that we agree with the reference on ``work/tree``, then time both."""
    ours_cli = [sys.executable, "-m", "nix_compat"]
    tree = work / "tree"
    nar = work / "tree.nar"
    with open(nar, "wb") as out:
        shell([*prefix, "nix-store", "--dump", str(tree)], stdout=out.fileno())
    print(
        f"-- {name} tree in {work.parent}: {size / MiB:.0f} MiB in files, "
        f"NAR {nar.stat().st_size / MiB:.0f} MiB"
    )
    with open(nar, "rb") as expected, tempfile.TemporaryFile() as ours:
        dump_path(tree, ours.write)
        ours.seek(0)
        if not _same_stream(expected, ours):
            print("MISMATCH: our dump differs from nix-store --dump")
            return 1
    reference_hash = shell([*prefix, "nix-hash", "--type", "sha256", str(tree)]).decode()
    if hash_path(tree, "sha256").hash.to_base16() != reference_hash.strip():
        print("MISMATCH: our hash differs from nix-hash")
        return 1

    devnull = os.open(os.devnull, os.O_WRONLY)
    dest = work / "restored"

    def clear() -> None:
        """Remove the last restore and write back its pages, so each starts alike."""
        if dest.exists():
            shutil.rmtree(dest)
        os.sync()

    def restore_ours() -> None:
        with open(nar, "rb") as stream:
            restore(stream, dest)

    def dump_ours() -> None:
        dump_path(tree, lambda data: _write_all(devnull, data))

    results = {
        "dump": best(
            repeat,
            (dump_ours, None),
            (lambda: shell([*ours_cli, "nar", "dump", str(tree)], stdout=devnull), None),
            (lambda: shell([*prefix, "nix-store", "--dump", str(tree)], stdout=devnull), None),
        ),
        "restore": best(
            repeat,
            (restore_ours, clear),
            (lambda: shell([*ours_cli, "nar", "restore", str(dest)], stdin=nar), clear),
            (lambda: shell([*prefix, "nix-store", "--restore", str(dest)], stdin=nar), clear),
        ),
        "hash": best(
            repeat,
            (lambda: hash_path(tree, "sha256"), None),
            (lambda: shell([*ours_cli, "hash", "path", "--type", "sha256", str(tree)]), None),
            (lambda: shell([*prefix, "nix-hash", "--type", "sha256", str(tree)]), None),
        ),
    }
    os.close(devnull)
    clear()
    print(f"{'step':8} {'ours (in-process)':>18} {'ours (command)':>15} {'reference':>10}  ratios")
    for step, (inproc, command, reference) in results.items():
        print(
            f"{step:8} {inproc:17.3f}s {command:14.3f}s {reference:9.3f}s"
            f"  in-process {inproc / reference:.2f}x, command {command / reference:.2f}x"
        )
    return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _same_stream(a: object, b: object) -> bool:
    read_a = a.read  # type: ignore[attr-defined]
    read_b = b.read  # type: ignore[attr-defined]
    while True:
        chunk_a, chunk_b = read_a(CHUNK_SIZE), read_b(CHUNK_SIZE)
        if chunk_a != chunk_b:
            return False
        if not chunk_a:
            return True


if __name__ == "__main__":
    sys.exit(run(smoke="--smoke" in sys.argv))
