"""tvix-store against the reference C++ Nix: adding a tree, dumping its NAR, and nar-bridge as
a binary cache for the reference's ``nix copy``; PathInfo lookups per second.

- import: ``tvix-store import TREE`` (into a fresh embedded store) against ``nix-store --add
  TREE``, on a fresh random tree of tens of thousands of files and a few large ones (~1.7 GiB;
  fresh each run, so that neither side has it already). Both must print the same store path.
- nar: ``tvix-store nar PATH > /dev/null`` against ``nix-store --dump PATH > /dev/null``, of
  the path just added (best of three, in turns).
- copy --to: ``nix copy --to http://nar-bridge`` (a fresh nar-bridge over a fresh embedded
  store) against ``nix copy --to file://folder``, of a fresh closure of five paths (~1 GiB),
  uncompressed on both sides (``?compression=none``: xz of random data would take a minute,
  the same on both sides, and hide what is measured).
- copy --from: ``nix copy --from http://nar-bridge`` against ``nix copy --from file://folder``
  (the cache the reference wrote), each into a fresh ``--store`` folder (best of two).
- PathInfo lookups: ``get`` calls per second on SqlitePathInfoService and on
  PostgresPathInfoService (a PostgreSQL server started for the run, if one is installed) with
  100,000 PathInfos. The reference has nothing to compare: absolute figures only.

The reference's commands each get a fresh XDG_CACHE_HOME (it remembers narinfo lookups) and
no substituters. Ratios are ours / reference, wall clock (lower is better); the page cache is
written back before each timed command, so that no command pays for another's writes. Nothing
is deleted before the end of the run (trees, our stores, the reference's caches and copies,
and the paths added to its store): ext4 avoids reusing inodes freed in the last minutes, which
makes creating files slower for whoever runs next; for the same reason, leave a few minutes
between runs. With ``smoke`` everything is tiny.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench_castore import make_tree
from bench_nar import oracle_prefix

MiB = 1 << 20
NIX = ["nix", "--extra-experimental-features", "nix-command"]
NO_SUBSTITUTERS = ["--option", "substituters", ""]


def _command(script: str, module: str) -> list[str]:
    """Our command as a user runs it: the installed script beside this interpreter."""
    installed = Path(sys.executable).parent / script
    return [str(installed)] if installed.exists() else [sys.executable, "-m", module]


TVIX_STORE = _command("tvix-store", "tvix_store")
NAR_BRIDGE = _command("nar-bridge", "tvix_store.nar_bridge")


def _check(argv: list[str], result: subprocess.CompletedProcess[bytes]) -> bytes:
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, argv))} failed ({result.returncode}): "
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    return result.stdout or b""


def timed_run(
    argv: list[str], env: dict[str, str] | None = None, stdout: int | None = None
) -> tuple[float, bytes]:
    """Run ``argv`` once, after writing back the page cache; its wall time and output."""
    os.sync()
    start = time.perf_counter()
    result = subprocess.run(
        argv,
        env=None if env is None else {**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - start
    return elapsed, _check(argv, result)


def ratio_line(what: str, ours: float, theirs: float, aim: float | None = None) -> str:
    target = "" if aim is None else f" (aim <= {aim:.1f})"
    times = f"[{ours:.2f} s vs {theirs:.2f} s]"
    return f"ratio {what} ours/reference: {ours / theirs:.2f}{target}  {times}"


def remove_tree(path: Path) -> None:
    """Remove a folder, also where a store made its folders read-only."""
    if not path.exists():
        return
    for folder, _, _ in os.walk(path):
        os.chmod(folder, 0o755)
    shutil.rmtree(path)


class Reference:
    """The reference's commands, each with a fresh narinfo cache; the paths it added are
    deleted from its store by ``forget``."""

    def __init__(self, prefix: list[str], work: Path):
        self.prefix = prefix
        self.work = work
        self.added: list[str] = []
        self._caches = 0

    def env(self) -> dict[str, str]:
        self._caches += 1
        cache = self.work / f"xdg-cache-{self._caches}"
        cache.mkdir()
        return {"XDG_CACHE_HOME": str(cache)}

    def run(self, *args: str, stdout: int | None = None) -> tuple[float, bytes]:
        return timed_run([*self.prefix, *args], self.env(), stdout)

    def forget(self) -> None:
        # Referrers first: the closure's top before the paths it refers to.
        for path in reversed(self.added):
            subprocess.run(
                [*self.prefix, "nix-store", "--delete", path],
                env={**os.environ, **self.env()},
                capture_output=True,
                check=False,
            )
        self.added.clear()


def bench_import(work: Path, stores: Path, reference: Reference, smoke: bool) -> int:
    """a. and b.: add a fresh tree with both, then dump the path with both."""
    ours_times: list[float] = []
    theirs_times: list[float] = []
    for attempt in range(1 if smoke else 2):
        # A fresh tree each time, so that neither side has it; who goes first alternates
        # (the first to create many files after others were deleted pays for it).
        tree = work / f"tree-{attempt}"
        tree.mkdir()
        if smoke:
            size = make_tree(tree, files=300, large=1, large_size=2 * MiB)
        else:
            size = make_tree(tree, files=30_000, large=6, large_size=256 * MiB)
        count = sum(1 for _ in tree.rglob("*"))
        print(f"-- import: a fresh tree of {count} entries, {size / MiB:.0f} MiB")
        data_home = stores / f"import-{attempt}"
        env = {"XDG_DATA_HOME": str(data_home)}
        steps = [
            ("tvix-store import", [*TVIX_STORE, "import", str(tree)], env),
            ("nix-store --add", [*reference.prefix, "nix-store", "--add", str(tree)], None),
        ]
        done = {}
        for what, argv, step_env in steps if attempt % 2 == 0 else reversed(steps):
            elapsed, out = timed_run(argv, step_env or reference.env())
            done[what] = (elapsed, out.decode().strip())
            print(f"{what}: {elapsed:.2f} s ({size / MiB / elapsed:.0f} MiB/s)")
        (ours, ours_path), (theirs, theirs_path) = (
            done["tvix-store import"],
            done["nix-store --add"],
        )
        reference.added.append(theirs_path)
        if ours_path != theirs_path:
            print(f"MISMATCH: we added {ours_path}, the reference {theirs_path}")
            return 1
        ours_times.append(ours)
        theirs_times.append(theirs)
    print(ratio_line("import (best of each)", min(ours_times), min(theirs_times), 1.0))

    print("-- nar: the NAR of that path to /dev/null")
    if smoke:
        # A check of the bytes, not a measurement: both NARs must be the same.
        _, mine = timed_run([*TVIX_STORE, "nar", ours_path], env)
        _, theirs_nar = reference.run("nix-store", "--dump", theirs_path)
        if mine != theirs_nar:
            print("MISMATCH: tvix-store nar differs from nix-store --dump")
            return 1
    dump_ours: list[float] = []
    dump_theirs: list[float] = []
    with open(os.devnull, "wb") as devnull:
        for _ in range(1 if smoke else 3):
            dump_ours.append(timed_run([*TVIX_STORE, "nar", ours_path], env, devnull.fileno())[0])
            dump_theirs.append(
                reference.run("nix-store", "--dump", theirs_path, stdout=devnull.fileno())[0]
            )
    ours, theirs = min(dump_ours), min(dump_theirs)
    print(f"tvix-store nar: {ours:.2f} s; nix-store --dump: {theirs:.2f} s")
    print(ratio_line("nar", ours, theirs, 1.2))
    return 0


def make_closure(work: Path, reference: Reference, smoke: bool) -> tuple[str, int]:
    """Four fresh trees added to the reference's store and a text file that refers to them
    all: the closure's top, and the closure's NAR size."""
    shapes = {
        # name: (small files, large files, large size)
        "lib": (40, 0, 0) if smoke else (8000, 0, 0),
        "share": (40, 1, 1 * MiB) if smoke else (3000, 2, 128 * MiB),
        "data": (0, 1, 2 * MiB) if smoke else (0, 1, 512 * MiB),
        "bin": (10, 1, 1 * MiB) if smoke else (100, 4, 32 * MiB),
    }
    parts = []
    for name, (files, large, large_size) in shapes.items():
        folder = work / "closure" / name
        folder.mkdir(parents=True)
        make_tree(folder, files=files, large=large, large_size=large_size)
        parts.append(f"${{{folder}}}")
    expression = f'builtins.toFile "closure-top" "{" ".join(parts)}"'
    _, out = reference.run("nix-instantiate", "--eval", "--read-write-mode", "-E", expression)
    top = out.decode().strip().strip('"')
    _, out = reference.run("nix-store", "-qR", top)
    closure = out.decode().split()
    reference.added.extend(p for p in closure if p != top)
    reference.added.append(top)
    _, out = reference.run(*NIX, "path-info", "-r", "--json", top)
    nar_size = sum(int(v["narSize"]) for v in json.loads(out).values())
    print(f"-- closure: {len(closure)} paths, NAR size {nar_size / MiB:.1f} MiB")
    return top, nar_size


@contextmanager
def nar_bridge(data_home: Path) -> Iterator[str]:
    """A nar-bridge over the embedded store in ``data_home``; its URL."""
    process = subprocess.Popen(
        [*NAR_BRIDGE, "--listen-address", "127.0.0.1:0"],
        env={**os.environ, "XDG_DATA_HOME": str(data_home)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            found = re.search(rb"serving on (http://\S+)", line)
            if found:
                url = found.group(1).decode()
            elif not line and process.poll() is not None:
                break
        if url is None:
            raise RuntimeError("nar-bridge did not start")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def bench_copy(work: Path, stores: Path, reference: Reference, smoke: bool) -> int:
    """c. and d.: nix copy --to and --from, nar-bridge against a file:// cache."""
    top, nar_size = make_closure(work, reference, smoke)
    repeat = 1 if smoke else 2
    to_ours: list[float] = []
    to_theirs: list[float] = []
    from_ours: list[float] = []
    from_theirs: list[float] = []
    for attempt in range(repeat):
        data_home = stores / f"bridge-{attempt}"
        cache = work / f"reference-cache-{attempt}"
        with nar_bridge(data_home) as url:
            copy_to = [*NIX, "copy", *NO_SUBSTITUTERS, "--to"]
            # Who goes first alternates, as for the import.
            uploads = [(f"{url}?compression=none", to_ours), (f"file://{cache}", to_theirs)]
            downloads = [(url, from_ours), (f"file://{cache}", from_theirs)]
            if attempt % 2:
                uploads.reverse()
                downloads.reverse()
            for target_url, times in uploads:
                if times is to_theirs:
                    target_url += "?compression=none"
                times.append(reference.run(*copy_to, target_url, top)[0])
            for source, times in downloads:
                target = work / f"copied-{attempt}-{'ours' if times is from_ours else 'theirs'}"
                copy_from = [*NIX, "copy", *NO_SUBSTITUTERS, "--no-check-sigs"]
                times.append(
                    reference.run(*copy_from, "--from", source, "--store", str(target), top)[0]
                )
                _, out = reference.run(*NIX, "--store", str(target), "path-info", "-r", top)
                if len(out.split()) < 5:
                    print(f"MISMATCH: the copy from {source} lacks paths: {out.decode()}")
                    return 1
    mib = nar_size / MiB
    for what, ours, theirs, aim in (
        ("copy --to", min(to_ours), min(to_theirs), None),
        ("copy --from", min(from_ours), min(from_theirs), 1.5),
    ):
        print(
            f"nix {what} nar-bridge: {ours:.2f} s ({mib / ours:.0f} MiB/s); "
            f"file://: {theirs:.2f} s ({mib / theirs:.0f} MiB/s)"
        )
        print(ratio_line(what, ours, theirs, aim))
    return 0


def _lookups(name: str, service: Any, infos: list[Any], lookups: int) -> None:
    start = time.perf_counter()
    for info in infos:
        service.put(info)
    put_time = time.perf_counter() - start
    rng = random.Random(0)
    digests = [rng.choice(infos).store_path.digest for _ in range(lookups)]
    start = time.perf_counter()
    for digest in digests:
        if service.get(digest) is None:
            raise RuntimeError(f"{name}: a PathInfo put is missing")
    get_time = time.perf_counter() - start
    print(
        f"{name}: {lookups / get_time:,.0f} lookups/s ({lookups} random lookups among "
        f"{len(infos)} PathInfos; puts: {len(infos) / put_time:,.0f}/s)"
    )


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """A throwaway PostgreSQL server, as tvix-store's tests start one; its database URL, or
    None (with the reason printed) when there is no PostgreSQL to start."""
    from tvix_store.throwaway_postgres import PostgresUnavailable, throwaway_postgres

    with ExitStack() as stack:
        try:
            port = stack.enter_context(throwaway_postgres("tvix"))
        except (PostgresUnavailable, RuntimeError) as exc:
            print(f"PostgreSQL: skipped: {exc}")
            yield None
            return
        yield f"postgresql://tvix@127.0.0.1:{port}/postgres"


def bench_lookups(work: Path, smoke: bool) -> int:
    """e.: PathInfo lookups per second, sqlite and PostgreSQL."""
    from tvix_store.pathinfoservice.sqlite import SqlitePathInfoService
    from tvix_store.testing import sample_path_info

    count, lookups = (1000, 1000) if smoke else (100_000, 50_000)
    print("-- PathInfo lookups (the reference has no equivalent: absolute figures only)")
    infos = [sample_path_info(f"pkg-{i}", i) for i in range(count)]
    sqlite = SqlitePathInfoService(work / "pathinfo.sqlite")
    try:
        _lookups("sqlite", sqlite, infos, lookups)
    finally:
        sqlite.close()
    with postgres_server() as url:
        if url is not None:
            from tvix_store.pathinfoservice.postgres import PostgresPathInfoService

            postgres = PostgresPathInfoService(url)
            try:
                _lookups("PostgreSQL", postgres, infos, lookups)
            finally:
                postgres.close()
    return 0


def run(smoke: bool) -> int:
    here = os.getcwd()
    prefix = oracle_prefix()
    # The trees and the reference's caches and stores lie in /tmp, which the reference sees;
    # our stores lie under the home folder (as bench_castore's, beside the reference's store).
    home_cache = Path.home() / ".cache"
    home_cache.mkdir(parents=True, exist_ok=True)
    status = 0
    with (
        tempfile.TemporaryDirectory(prefix="bench-store-", dir="/tmp") as scratch,
        tempfile.TemporaryDirectory(prefix="bench-store-ours-", dir=home_cache) as ours,
    ):
        work, stores = Path(scratch), Path(ours)
        try:
            if prefix is None:
                print("import, nar, copy: skipped, no reference Nix (set NIX_ORACLE)")
            else:
                os.chdir(work)  # the reference's sandbox sees the current folder
                reference = Reference(prefix, work)
                try:
                    status |= bench_import(work, stores, reference, smoke)
                    status |= bench_copy(work, stores, reference, smoke)
                finally:
                    reference.forget()
            status |= bench_lookups(work, smoke)
        finally:
            os.chdir(here)
            for copied in work.glob("copied-*"):
                remove_tree(copied)
    return status


if __name__ == "__main__":
    sys.exit(run(smoke="--smoke" in sys.argv))
