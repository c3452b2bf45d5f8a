"""The lang-tests harness: what each kind of case runs, with us and with the reference.

A case is ``<kind>-<name>.nix``, in this folder (the parse cases) or in a category's folder
(``eval/``: needs no store; ``glue/``: needs a store). :data:`RUNNERS` maps each kind (the file
name's prefix) to a :class:`Kind`, which says which expectation files the case has (each one a
:class:`Check`, one test), how to get our answer and how to get the reference's. The
expectation files hold the reference's answers only; ``regenerate.py`` writes them.

Kinds and their expectations (README.md says more):

- ``parse-okay``: ``.exp``, the tree as ``nix-instantiate --parse`` prints it.
- ``parse-fail``: ``.exp``, the first two lines of its error.
- ``eval-okay``: ``.exp``, the standard output of ``nix-instantiate --eval --strict FILE``;
  ``.exp-lazy``, that of ``nix-instantiate --eval FILE``, for the cases where it exists (create
  it empty to ask for it); ``.err.exp``, the standard error, where the reference prints one.
- ``eval-fail``: ``.err.exp``, the standard error of ``nix-instantiate --eval --strict FILE``,
  byte for byte, which must exit with status 1; ``.out.exp``, what it printed on standard
  output before failing, where it printed anything (``--xml`` prints as it evaluates).

An ``eval-*`` case may have a ``.flags`` file: more arguments (``--arg``, ``-I``, ``--json``...),
split as a shell would split them, given to both. Categories run on a fresh copy of their folder
in which :mod:`fixtures` made what git cannot hold; the copy's path is written ``/pwd`` in every
answer, and each command runs with it as the current folder. Ours runs in one long-lived worker
process (:mod:`worker`), which the harness replaces when a case crashes it or overruns.

Expectations must not depend on where the checkout is: the folder a case sits in is written
``/pwd`` (the reference runs on a copy of the case in a temporary folder, which becomes ``/pwd``
just the same).
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from fixtures import make_all
from tvix_eval.errors import ParseError
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.printer import print_expr
from tvix_eval.syntax.source import Source

__all__ = [
    "CATEGORIES",
    "HERE",
    "KNOWN_FAILURES",
    "RUNNERS",
    "Check",
    "Kind",
    "Outcome",
    "case_files",
    "checks",
    "known_failures",
    "runner_for",
]

HERE = Path(__file__).resolve().parent
PWD = "/pwd"
CATEGORIES = ("eval", "glue")
KNOWN_FAILURES = HERE / "known-failures.txt"
#: Seconds a case may take in our evaluator before the worker is killed and the case fails.
TIMEOUT = float(os.environ.get("LANG_TESTS_TIMEOUT", "20"))
#: Set in the environment of both evaluators, for the cases about ``builtins.getEnv``.
CASE_ENV = {"LANG_TESTS_GREETING": "hello from the environment", "LANG_TESTS_EMPTY": ""}

Oracle = Any  # the root conftest's Oracle; not importable from here by name


def _read(path: Path) -> Source:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    return Source(str(path), text, str(path))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _placeholder(text: str, folder: Path) -> str:
    return text.replace(str(folder), PWD)


def _on_a_copy(case: Path, run: Callable[[Path], str]) -> str:
    """Run the reference on a copy of ``case`` in a fresh folder under /tmp (which the
    reference's sandbox sees), with that folder written ``/pwd``."""
    folder = Path(tempfile.mkdtemp(prefix="lang-test-"))
    try:
        copy = folder / case.name
        shutil.copyfile(case, copy)
        return _placeholder(run(copy), folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Check:
    """One comparison, one test: a case's expectation file against our answer."""

    case: Path
    suffix: str
    ours: Callable[[], str]
    reference: Callable[[Oracle], str]
    primary: bool

    @property
    def expectation(self) -> Path:
        return self.case.with_suffix(self.suffix)

    @property
    def name(self) -> str:
        """The name known-failures.txt uses: the case's, plus the suffix when it is not the
        case's main expectation (``eval-okay-x.exp-lazy``)."""
        return self.case.stem if self.primary else self.case.stem + self.suffix

    @property
    def test_id(self) -> str:
        folder = self.case.parent.relative_to(HERE)
        return self.name if folder == Path(".") else f"{folder}/{self.name}"

    def expected(self) -> str:
        """The expectation file's bytes as text (no newline translation: ``\r`` is data)."""
        return _text(self.expectation.read_bytes())


class Kind:
    """What one kind of case runs. Subclasses say which expectations a case has, and how
    ``regenerate.py`` gets them from the reference (never from us)."""

    def checks(self, case: Path) -> list[Check]:
        raise AssertionError(f"{type(self).__name__} names no checks")

    def regenerate(self, oracle: Oracle, case: Path) -> dict[str, str | None]:
        """Expectation suffix -> the reference's answer (``None``: the file must not exist).
        Raises AssertionError when the reference disagrees with the case's kind."""
        return {c.suffix: c.reference(oracle) for c in self.checks(case)}


# -- parse-okay: the tree as nix-instantiate --parse prints it ------------------------------


class ParseOkay(Kind):
    def checks(self, case: Path) -> list[Check]:
        return [Check(case, ".exp", lambda: self.ours(case), self.reference(case), True)]

    @staticmethod
    def ours(case: Path) -> str:
        return _placeholder(print_expr(parse(_read(case))), case.parent) + "\n"

    @staticmethod
    def reference(case: Path) -> Callable[[Oracle], str]:
        def answer(oracle: Oracle) -> str:
            def run(copy: Path) -> str:
                return _text(oracle.run("nix-instantiate", "--parse", copy).stdout)

            return _on_a_copy(case, run)

        return answer


# -- parse-fail: the error message and its location -------------------------------------------


def _error_head(text: str) -> str:
    """The first two lines of an error: the message and ``at file:line:column:``."""
    return "\n".join(text.splitlines()[:2]) + "\n"


class ParseFail(Kind):
    def checks(self, case: Path) -> list[Check]:
        return [Check(case, ".exp", lambda: self.ours(case), self.reference(case), True)]

    @staticmethod
    def ours(case: Path) -> str:
        try:
            parse(_read(case))
        except ParseError as error:
            return _placeholder(_error_head(error.render()), case.parent)
        return "(accepted)\n"

    @staticmethod
    def reference(case: Path) -> Callable[[Oracle], str]:
        def answer(oracle: Oracle) -> str:
            def run(copy: Path) -> str:
                result = oracle.run("nix-instantiate", "--parse", copy, check=False)
                if result.returncode == 0:
                    return "(accepted)\n"
                return _error_head(_text(result.stderr))

            return _on_a_copy(case, run)

        return answer


# -- evaluation: both evaluators on the category's copy ---------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a command did, with the copy's folder written ``/pwd``."""

    status: int
    stdout: str
    stderr: str

    def okay_text(self) -> str:
        """An eval-okay answer: the printed value, or how the command failed instead."""
        if self.status == 0:
            return self.stdout
        return f"(exit status {self.status})\n{self.stderr}"

    def fail_text(self) -> str:
        """An eval-fail answer: the error on stderr (status 1 is the norm and goes unsaid)."""
        if self.status == 1:
            return self.stderr
        return f"(exit status {self.status})\n{self.stdout}{self.stderr}"


def _case_env() -> dict[str, str]:
    """The environment of both evaluators: this one without what steers Nix (NIX_PATH,
    NIX_CONFIG...), plus :data:`CASE_ENV`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_") or "ORACLE" in k}
    env.update(CASE_ENV)
    # Our default store lives under XDG_DATA_HOME: a run's own, never the user's.
    env["XDG_DATA_HOME"] = _scratch("data")
    return env


_SCRATCH: dict[str, str] = {}


def _scratch(what: str) -> str:
    """A folder of this test run's (removed at its end)."""
    if what not in _SCRATCH:
        folder = tempfile.mkdtemp(prefix=f"lang-tests-{what}-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _SCRATCH[what] = folder
    return _SCRATCH[what]


_WORKSPACES: dict[str, Path] = {}


def workspace(category: str) -> Path:
    """This run's copy of a category's folder, with its fixtures made (once per process)."""
    if category not in _WORKSPACES:
        folder = Path(os.path.realpath(tempfile.mkdtemp(prefix=f"lang-tests-{category}-")))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        shutil.copytree(HERE / category, folder, symlinks=True, dirs_exist_ok=True)
        make_all(category, folder)
        _WORKSPACES[category] = folder
    return _WORKSPACES[category]


#: Given to both evaluators before a case's own flags: the experimental features the
#: reference's configuration enables (its ``nix.conf``), so that neither answer depends on
#: a configuration file. A case's ``.flags`` may set others.
FEATURES = ["--option", "experimental-features", "nix-command flakes"]


def _flags(case: Path) -> list[str]:
    flags = case.with_suffix(".flags")
    given = shlex.split(flags.read_text(encoding="utf-8")) if flags.exists() else []
    return [*FEATURES, *given]


class Worker:
    """The long-lived process that runs our ``tvix`` command lines (see :mod:`worker`)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def _started(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, str(HERE / "worker.py")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=_case_env(),
                cwd=HERE,
            )
        return self.process

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def run(self, argv: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
        process = self._started()
        stdin: IO[bytes] | None = process.stdin
        stdout: IO[bytes] | None = process.stdout
        assert stdin is not None and stdout is not None
        encoded = [base64.b64encode(os.fsencode(a)).decode() for a in argv]
        request = json.dumps({"argv": encoded, "cwd": str(cwd)}).encode() + b"\n"
        try:
            stdin.write(request)
            stdin.flush()
            ready, _, _ = select.select([stdout], [], [], TIMEOUT)
            line = stdout.readline() if ready else None
        except BrokenPipeError:
            line = b""
        if line is None:
            self.stop()
            return -1, b"", f"(no answer within {TIMEOUT:g} s)\n".encode()
        if not line:
            status = process.wait()
            self.process = None
            return status, b"", f"(the worker died with status {status})\n".encode()
        answer = json.loads(line)
        stdout_bytes = base64.b64decode(answer["stdout"])
        return answer["status"], stdout_bytes, base64.b64decode(answer["stderr"])


WORKER = Worker()
atexit.register(WORKER.stop)


class EvalKind(Kind):
    """Cases run by ``nix-instantiate --eval`` and ``tvix eval`` (``lazy`` without
    ``--strict``), on the copy of their category's folder."""

    def __init__(self) -> None:
        self._ours: dict[tuple[Path, bool], Outcome] = {}

    @staticmethod
    def _copy(case: Path) -> tuple[Path, Path]:
        folder = workspace(case.parent.name)
        return folder, folder / case.name

    def ours(self, case: Path, lazy: bool = False) -> Outcome:
        """Our outcome, run once per case and mode (a case's checks share it)."""
        key = (case, lazy)
        if key not in self._ours:
            folder, copy = self._copy(case)
            argv = ["eval", *([] if lazy else ["--strict"]), *_flags(case), str(copy)]
            status, out, err = WORKER.run(argv, folder)
            self._ours[key] = Outcome(
                status, _placeholder(_text(out), folder), _placeholder(_text(err), folder)
            )
        return self._ours[key]

    def reference(self, oracle: Oracle, case: Path, lazy: bool = False) -> Outcome:
        folder, copy = self._copy(case)
        args = ["--eval", *([] if lazy else ["--strict"]), *_flags(case), str(copy)]
        result = oracle.run("nix-instantiate", *args, check=False, cwd=folder, env=_case_env())
        return Outcome(
            result.returncode,
            _placeholder(_text(result.stdout), folder),
            _placeholder(_text(result.stderr), folder),
        )


class EvalOkay(EvalKind):
    def checks(self, case: Path) -> list[Check]:
        found = []
        lazy = case.with_suffix(".exp-lazy").exists()
        if case.with_suffix(".exp").exists() or not lazy:
            found.append(
                Check(
                    case,
                    ".exp",
                    lambda: self.ours(case).okay_text(),
                    lambda o: self.reference(o, case).okay_text(),
                    True,
                )
            )
        if case.with_suffix(".err.exp").exists():
            found.append(
                Check(
                    case,
                    ".err.exp",
                    lambda: self.ours(case).stderr,
                    lambda o: self.reference(o, case).stderr,
                    False,
                )
            )
        if lazy:
            found.append(
                Check(
                    case,
                    ".exp-lazy",
                    lambda: self.ours(case, lazy=True).okay_text(),
                    lambda o: self.reference(o, case, lazy=True).okay_text(),
                    False,
                )
            )
        return found

    def regenerate(self, oracle: Oracle, case: Path) -> dict[str, str | None]:
        """``.exp`` and ``.err.exp`` from the strict run; ``.exp-lazy`` where asked for. A case
        with ``.exp-lazy`` may fail when strict: it is then a lazy-only case."""
        lazy_wanted = case.with_suffix(".exp-lazy").exists()
        strict = self.reference(oracle, case)
        answers: dict[str, str | None] = {}
        if strict.status == 0:
            answers[".exp"] = strict.stdout
            answers[".err.exp"] = strict.stderr or None
        elif lazy_wanted:
            answers[".exp"] = answers[".err.exp"] = None
        else:
            raise AssertionError(f"the reference fails (status {strict.status}):\n{strict.stderr}")
        if lazy_wanted:
            lazy = self.reference(oracle, case, lazy=True)
            if lazy.status != 0:
                raise AssertionError(f"the reference fails lazily:\n{lazy.stderr}")
            answers[".exp-lazy"] = lazy.stdout
        return answers


class EvalFail(EvalKind):
    def checks(self, case: Path) -> list[Check]:
        found = [
            Check(
                case,
                ".err.exp",
                lambda: self.ours(case).fail_text(),
                lambda o: self.reference(o, case).fail_text(),
                True,
            )
        ]
        if case.with_suffix(".out.exp").exists():
            found.append(
                Check(
                    case,
                    ".out.exp",
                    lambda: self.ours(case).stdout,
                    lambda o: self.reference(o, case).stdout,
                    False,
                )
            )
        return found

    def regenerate(self, oracle: Oracle, case: Path) -> dict[str, str | None]:
        outcome = self.reference(oracle, case)
        if outcome.status == 0:
            raise AssertionError(f"the reference succeeds: {outcome.stdout.strip()[:200]}")
        return {".err.exp": outcome.fail_text(), ".out.exp": outcome.stdout or None}


RUNNERS: dict[str, Kind] = {
    "parse-okay": ParseOkay(),
    "parse-fail": ParseFail(),
    "eval-okay": EvalOkay(),
    "eval-fail": EvalFail(),
}


def runner_for(case: Path) -> Kind | None:
    for kind, runner in RUNNERS.items():
        if case.name.startswith(kind + "-"):
            return runner
    return None


def case_files() -> list[Path]:
    """Every case this harness knows how to run: here, and in each category's folder."""
    found = sorted(HERE.glob("*.nix"))
    for category in CATEGORIES:
        found += sorted((HERE / category).glob("*.nix"))
    return [p for p in found if runner_for(p) is not None]


def checks() -> list[Check]:
    """Every check of every case, in case order."""
    found = []
    for case in case_files():
        runner = runner_for(case)
        assert runner is not None
        found += runner.checks(case)
    return found


def known_failures() -> dict[str, str]:
    """known-failures.txt: check name -> why our evaluator differs from the reference."""
    known: dict[str, str] = {}
    if not KNOWN_FAILURES.exists():
        return known
    for line in KNOWN_FAILURES.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        known[name] = reason.strip()
    return known
