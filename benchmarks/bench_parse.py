"""Parsing nixpkgs' lib/: our parser against ``nix-instantiate --parse``.

Every ``.nix`` file of ``../shared/corpus/nixpkgs-lib`` is parsed by us (in this process, as
``tvix`` runs its parser: on the evaluator's thread, with its collector settings) and by the
reference, both over a copy under /tmp (which the reference's sandbox sees). The reference
runs over all files at once (so its start-up is paid once), and once per file; the ratio is
ours over the run over all files, each side's best of three, in CPU time (user and system:
this process's while it parses, the reference's process tree's). Our output must equal the
reference's for every file, or the benchmark fails.
"""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "nixpkgs-lib"
SMOKE_FILES = 5
#: Both sides' best of this many runs, as the evaluation benchmark takes.
RUNS = 3
#: The ratio measured, for run.py's mean over all language workloads.
CPU_RATIOS: dict[str, float] = {}


def _oracle() -> list[str] | None:
    configured = os.environ.get("NIX_ORACLE")
    if configured:
        return shlex.split(configured)
    default = Path(__file__).resolve().parents[2] / "shared" / "oracle" / "nix-oracle"
    if default.exists():
        return [str(default)]
    return ["nix-instantiate"] if shutil.which("nix-instantiate") else None


def _children_cpu() -> float:
    """CPU time (user and system) of the child processes that have ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(smoke: bool) -> int:
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}: nothing to measure")
        return 0
    oracle = _oracle()
    if oracle is None:
        print("no reference C++ Nix (set NIX_ORACLE): nothing to compare with")
        return 0

    from tvix_eval.evaluator import run_with_big_stack
    from tvix_eval.syntax.parser import parse
    from tvix_eval.syntax.printer import print_expr
    from tvix_eval.syntax.source import Source

    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        root = Path(tmp) / "nixpkgs-lib"
        shutil.copytree(CORPUS, root)
        files = sorted(root.rglob("*.nix"))
        if smoke:
            files = files[:SMOKE_FILES]
        sources = [
            Source(str(f), f.read_bytes().decode("utf-8", "surrogateescape"), str(f)) for f in files
        ]
        size = sum(f.stat().st_size for f in files)

        ours = reference = float("inf")
        command = [*oracle, "nix-instantiate", "--parse"]
        for _ in range(1 if smoke else RUNS):
            start = time.process_time()
            trees = run_with_big_stack(lambda: [parse(s) for s in sources])
            ours = min(ours, time.process_time() - start)
            start = _children_cpu()
            batch = subprocess.run([*command, *map(str, files)], capture_output=True, check=True)
            reference = min(reference, _children_cpu() - start)
        start = time.perf_counter()
        for f in files:
            subprocess.run([*command, str(f)], capture_output=True, check=True)
        per_file = time.perf_counter() - start

        printed = "".join(print_expr(t) + "\n" for t in trees).encode("utf-8", "surrogateescape")
    same = printed == batch.stdout
    print(f"{len(files)} files, {size / 1e6:.2f} MB")
    print(
        f"CPU ours: {ours:.3f} s   reference: {reference:.3f} s in one run; "
        f"{per_file:.3f} s wall-clock for one run per file"
    )
    print(f"ratio (ours / reference, one run): {ours / reference:.1f}")
    if same:
        CPU_RATIOS["parse"] = ours / reference
    print("printed trees equal the reference's" if same else "PRINTED TREES DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(run(smoke="--smoke" in sys.argv))
