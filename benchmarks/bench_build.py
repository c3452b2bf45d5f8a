"""``tvix build`` against ``nix-build``: a chain of trivial derivations (each writes a file
naming the one before it; 200 of them, 5 with ``smoke``), built from nothing by both in the same
run; the figure is wall time per build, ours / the reference's (issue 11 aims at 1.5).

Both build the same derivations (a nonce of the run in every one, so that neither store has
them yet), which also makes each measurement one run, not a best of several: a second run would
find everything built. Ours builds in its bubblewrap sandbox into a fresh embedded store; the
reference builds without a sandbox, through the oracle's wrapper (~0.06 s a call, once). The
printed output paths are checked to agree first.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHAIN = """{ n, nonce }:
let
  bb = builtins.path { path = ./bb; name = "busybox"; };
  step = prev: i: derivation {
    name = "chain-${toString i}";
    system = builtins.currentSystem;
    builder = "${bb}/bin/busybox";
    args = [ "sh" "-c" "echo ${nonce} ${toString i} ${prev} > $out" ];
  };
in builtins.foldl' step "" (builtins.genList (i: i) n)
"""


def _oracle() -> list[str] | None:
    configured = os.environ.get("NIX_ORACLE")
    if configured:
        return shlex.split(configured)
    shared = ROOT.parent / "shared" / "oracle" / "nix-oracle"
    return [str(shared)] if shared.exists() else None


def _timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed:\n{done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed, done.stdout.decode()


def run(smoke: bool) -> int:
    oracle = _oracle()
    busybox = shutil.which("busybox")
    tvix = Path(sys.executable).parent / "tvix"
    if oracle is None or busybox is None or shutil.which("bwrap") is None:
        print("skipped: needs the reference (NIX_ORACLE), bubblewrap and a static busybox")
        return 0
    n = 5 if smoke else 200
    with tempfile.TemporaryDirectory(prefix="bench-build-") as scratch:
        work = Path(scratch)
        (work / "bb" / "bin").mkdir(parents=True)
        shutil.copy(busybox, work / "bb" / "bin" / "busybox")
        (work / "chain.nix").write_text(CHAIN)
        nonce = f"bench-{time.time_ns()}"
        args = ["chain.nix", "--arg", "n", str(n), "--argstr", "nonce", nonce]
        env = {**os.environ, "XDG_DATA_HOME": str(work / "data"), "XDG_CACHE_HOME": str(work)}
        ours, printed = _timed([str(tvix), "build", *args], env, work)
        nix_build = [*oracle, "nix-build", "--no-out-link", "--option", "substituters", ""]
        reference, expected = _timed([*nix_build, *args], dict(os.environ), work)
    if printed != expected:
        print(f"outputs differ: ours {printed!r}, the reference's {expected!r}")
        return 1
    print(
        f"-- a chain of {n} derivations built: {ours:.2f} s vs {reference:.2f} s "
        f"({ours / n * 1000:.0f} ms vs {reference / n * 1000:.0f} ms a build): "
        f"{ours / reference:.2f}x (aim 1.5)"
    )
    return 0
