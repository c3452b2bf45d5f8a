"""Evaluation: ``tvix eval --strict`` against ``nix-instantiate --eval --strict``, workload by
workload.

Each workload is a file ``eval/<name>.nix``: a function of ``{ n }``, whose sizes the file's
header names (``# bench: full n=27, smoke n=8``, plus ``corpus`` for those that import
``nixpkgs-lib/lib``). The files, and the corpus where ``../shared/corpus/nixpkgs-lib`` exists,
are copied into one folder under /tmp (which the reference's sandbox sees), and both commands
run there as a user runs them: a fresh process each time, ours being the ``tvix`` of the
environment this Python belongs to.

For each workload both outputs must be equal byte for byte, or the workload fails and is not
timed. Then each command runs ``REPEAT`` times in turns (once with ``smoke``) and the best
figures are kept: CPU time (user + system, of the child and whatever it waited for, from
``wait4``) and peak memory (its ``ru_maxrss``). The reference's figures include its wrapper
(bash and bubblewrap) and ours include Python's start-up; the ``start-up`` row, ``null``
evaluated by both, shows what that costs and is left out of the geometric means.

A workload that needs the corpus and that our evaluator cannot run yet (an evaluation error,
such as a builtin it lacks) is skipped, with the error as the reason. Anything else that fails
is a failure: the exit status is then 1.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from bench_nar import oracle_prefix

HERE = Path(__file__).resolve().parent
WORKLOADS = HERE / "eval"
CORPUS = HERE.parents[1] / "shared" / "corpus" / "nixpkgs-lib"
REPEAT = 5
SMOKE_REPEAT = 1
#: Longest a single evaluation may take (seconds) before it counts as a failure.
TIMEOUT = 600.0
#: What the issue asks of us: geometric means of ours / reference at or below these.
TARGETS = {"cpu": 5.0, "memory": 3.0}

#: CPU-time ratio (ours / reference) of each workload measured, for run.py's overall mean.
CPU_RATIOS: dict[str, float] = {}

HEADER = re.compile(r"^# bench: full n=(\d+), smoke n=(\d+)(, corpus)?$", re.MULTILINE)


class Workload(NamedTuple):
    name: str
    file: str
    full: int
    smoke: int
    corpus: bool

    @classmethod
    def load(cls, path: Path) -> Workload:
        match = HEADER.search(path.read_text())
        if match is None:
            raise ValueError(f"{path}: no '# bench: full n=N, smoke n=N' line")
        return cls(path.stem, path.name, int(match[1]), int(match[2]), match[3] is not None)


class Run(NamedTuple):
    """One finished command: how it ended, what it printed, what it cost."""

    status: int
    stdout: bytes
    stderr: bytes
    cpu: float
    maxrss_kib: int

    def failure(self) -> str:
        """Why it failed, in one line: the first line of its error, or the last of a Python
        traceback."""
        lines = self.stderr.decode("utf-8", "replace").strip().splitlines() or ["(no output)"]
        line = lines[-1] if lines[0].startswith("Traceback") else lines[0]
        return f"exit status {self.status}: {line}"

    def clean_error(self) -> bool:
        """Whether it failed as an evaluation error (such as a builtin not there yet) rather
        than as a crash."""
        text = self.stderr.decode("utf-8", "replace")
        return text.startswith("error: ") and not text.startswith("error: internal error")


#: Runs the measured command as a child of its own and writes the child's exit status and
#: resource use to the file descriptor it is given. Linux carries a process's peak memory over
#: fork and exec, so a child's ``ru_maxrss`` is never below its parent's at the fork: the parent
#: has to be a small process (a bare interpreter, ~8 MiB), not this one.
SPAWNER = """
import os, sys
report = int(sys.argv[1])
os.set_inheritable(report, False)
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
cpu = usage.ru_utime + usage.ru_stime
os.write(report, f"{code} {cpu!r} {usage.ru_maxrss}".encode())
"""


def measure(argv: list[str], cwd: Path) -> Run:
    """Run ``argv`` in ``cwd``; its CPU time and peak memory come from ``wait4`` on it, so
    they are its own (with whatever it waited for) and nobody else's."""
    read_end, write_end = os.pipe()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", SPAWNER, str(write_end), *argv],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                pass_fds=(write_end,),
                start_new_session=True,
            )
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        with os.fdopen(read_end, "rb") as report:
            try:
                proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return Run(-9, b"", f"killed after {TIMEOUT:.0f} s".encode(), math.inf, 0)
            figures = report.read().split()
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0 or len(figures) != 3:
            return Run(proc.returncode or 1, out.read(), err.read(), math.inf, 0)
        return Run(int(figures[0]), out.read(), err.read(), float(figures[1]), int(figures[2]))


class Best:
    """The best figures over the runs of one command on one workload."""

    def __init__(self) -> None:
        self.cpu = math.inf
        self.maxrss_kib = sys.maxsize

    def add(self, run: Run) -> None:
        self.cpu = min(self.cpu, run.cpu)
        self.maxrss_kib = min(self.maxrss_kib, run.maxrss_kib)


def ours_command() -> list[str]:
    tvix = Path(sys.executable).parent / "tvix"
    if tvix.exists():
        return [str(tvix), "eval"]
    return [sys.executable, "-m", "tvix_cli.main", "eval"]


def run(smoke: bool) -> int:
    prefix = oracle_prefix()
    if prefix is None:
        print(
            "no reference C++ Nix (NIX_ORACLE, ../shared/oracle or nix-store): nothing to compare"
        )
        return 0
    workloads = [Workload.load(p) for p in sorted(WORKLOADS.glob("*.nix"))]
    with tempfile.TemporaryDirectory(prefix="bench-eval-", dir="/tmp") as scratch:
        work = Path(scratch)
        shutil.copytree(WORKLOADS, work, dirs_exist_ok=True)  # workloads and their files
        if CORPUS.is_dir():
            shutil.copytree(CORPUS, work / CORPUS.name)
        bench = Bench(ours_command(), [*prefix, "nix-instantiate", "--eval"], work, smoke)
        return bench.run_all(workloads)


class Bench:
    """One run of the benchmark: the commands, the folder they run in, the figures so far."""

    def __init__(self, ours: list[str], reference: list[str], work: Path, smoke: bool) -> None:
        self.commands = {"ours": ours, "reference": reference}
        self.work = work
        self.smoke = smoke
        self.repeat = SMOKE_REPEAT if smoke else REPEAT
        self.rows: list[tuple[str, Best, Best]] = []
        self.startup: tuple[Best, Best] | None = None

    def run_all(self, workloads: list[Workload]) -> int:
        print(
            f"{'smoke sizes' if self.smoke else 'full sizes'}, best of {self.repeat}; "
            f"ours: {' '.join(self.commands['ours'])}"
        )
        self.startup = self.time(["--strict", "-E", "null"], "start-up")
        status = 0 if self.startup is not None else 1
        for workload in workloads:
            status |= self.workload(workload)
        self.report()
        return status

    def workload(self, workload: Workload) -> int:
        if workload.corpus and not (self.work / CORPUS.name).is_dir():
            print(f"-- {workload.name}: skipped, no corpus at {CORPUS}")
            return 0
        n = workload.smoke if self.smoke else workload.full
        args = ["--strict", "--arg", "n", str(n), workload.file]
        reference = measure([*self.commands["reference"], *args], self.work)
        if reference.status != 0:
            print(f"-- {workload.name}: FAILED: the reference failed, {reference.failure()}")
            return 1
        ours = measure([*self.commands["ours"], *args], self.work)
        if ours.status != 0:
            if workload.corpus and ours.clean_error():
                print(f"-- {workload.name}: skipped, ours cannot run it yet: {ours.failure()}")
                return 0
            print(f"-- {workload.name}: FAILED: ours failed, {ours.failure()}")
            return 1
        if ours.stdout != reference.stdout:
            print(f"-- {workload.name}: FAILED: OUTPUT DIFFERS FROM THE REFERENCE'S")
            print(f"   reference: {_excerpt(reference.stdout)}")
            print(f"   ours:      {_excerpt(ours.stdout)}")
            return 1
        best = self.time(args, workload.name, (ours, reference))
        if best is None:
            return 1
        self.rows.append((workload.name, *best))
        CPU_RATIOS[workload.name] = best[0].cpu / best[1].cpu
        return 0

    def time(
        self, args: list[str], name: str, first: tuple[Run, Run] | None = None
    ) -> tuple[Best, Best] | None:
        """Best figures of ours and of the reference over ``repeat`` runs in turns (``first``,
        the runs already made to check the output, count as the first of them)."""
        best = (Best(), Best())
        for i in range(self.repeat):
            runs = first if i == 0 and first is not None else None
            if runs is None:
                runs = (
                    measure([*self.commands["ours"], *args], self.work),
                    measure([*self.commands["reference"], *args], self.work),
                )
            for side, result in zip(("ours", "reference"), runs, strict=True):
                if result.status != 0:
                    print(f"-- {name}: FAILED: {side} failed, {result.failure()}")
                    return None
            best[0].add(runs[0])
            best[1].add(runs[1])
        print(f"-- {name}: {_figures(*best)}", flush=True)
        return best

    def report(self) -> None:
        rows = self.rows
        print()
        print(
            f"{'workload':12} {'ours CPU':>9} {'ref CPU':>9} {'ratio':>7}   "
            f"{'ours RSS':>9} {'ref RSS':>9} {'ratio':>7}"
        )
        for name, ours, reference in rows:
            print(f"{name:12} {_row(ours, reference)}")
        if self.startup is not None:
            print(f"{'(start-up)':12} {_row(*self.startup)}   (evaluating null: not in the means)")
        if not rows:
            return
        means = {
            "cpu": _geomean([o.cpu / r.cpu for _, o, r in rows]),
            "memory": _geomean([o.maxrss_kib / r.maxrss_kib for _, o, r in rows]),
        }
        verdicts = ", ".join(
            f"{kind} {mean:.2f}x ({'meets' if mean <= TARGETS[kind] else 'misses'} the "
            f"{TARGETS[kind]:g}x target)"
            for kind, mean in means.items()
        )
        print(f"geometric mean over {len(rows)} workloads (ours / reference): {verdicts}")


def _figures(ours: Best, reference: Best) -> str:
    return (
        f"CPU {ours.cpu:.3f} s vs {reference.cpu:.3f} s ({ours.cpu / reference.cpu:.2f}x), "
        f"peak memory {_mib(ours.maxrss_kib)} vs {_mib(reference.maxrss_kib)} "
        f"({ours.maxrss_kib / reference.maxrss_kib:.2f}x)"
    )


def _row(ours: Best, reference: Best) -> str:
    return (
        f"{ours.cpu:8.3f}s {reference.cpu:8.3f}s {ours.cpu / reference.cpu:6.2f}x   "
        f"{_mib(ours.maxrss_kib):>9} {_mib(reference.maxrss_kib):>9} "
        f"{ours.maxrss_kib / reference.maxrss_kib:6.2f}x"
    )


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _excerpt(output: bytes, limit: int = 300) -> str:
    text = output.decode("utf-8", "replace").strip()
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


if __name__ == "__main__":
    sys.exit(run(smoke="--smoke" in sys.argv))
