"""nixpkgs' own tests of its lib/, run with ``tvix eval``: real-world Nix, and the module
system's error messages, checked the way nixpkgs checks them.

- ``lib/tests/systems.nix`` and ``checkAndMergeCompat.nix`` evaluate (``--strict``) to exactly
  what ``nix-instantiate --eval --strict`` prints.
- ``lib/tests/network.sh`` (IP address parsing) passes.
- ``lib/tests/misc.nix`` evaluates to ``[ ]`` (every test passes), with the reference's
  warnings.
- ``lib/tests/modules.sh`` runs its ~400 checks (values, and errors matched by regular
  expressions) with ``nix-instantiate`` replaced by ``tvix eval`` (a store of the test's
  own: some checks copy paths into it, one writes with ``builtins.toFile``). Every check
  must pass; and every command line it ran must answer byte for byte as ``nix-instantiate
  --eval`` does (values, errors, ``--show-trace``), but for the differences named in
  ``KNOWN_DIFFERENCES``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import pytest

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "nixpkgs-lib"

#: ``nix-instantiate`` for the scripts: its options that tvix eval does not take (a timeout,
#: ``--eval`` or ``--eval-only``, which tvix eval always is) are dropped.
#: Each command line is also recorded (its folder and arguments, NUL-separated, one line
#: each) for the comparison with the reference.
SHIM = """#!/usr/bin/env bash
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) shift 2 ;;
    --eval-only|--eval) shift ;;
    *) args+=("$1"); shift ;;
  esac
done
printf '%s\\0' "$PWD" "${{args[@]}}" >> {record}
printf '\\n' >> {record}
exec {python} -m tvix_cli.main eval "${{args[@]}}"
"""

#: Module checks whose output differs from the reference's, by what their arguments hold
#: (joined by spaces), and why.
KNOWN_DIFFERENCES = {
    "./lazy-attrsWith.nix ];} -A config.nonLazyResult": (
        "--show-trace: C++ Nix meets the infinite recursion of mergedNonLazyNonLazy one call "
        "deeper, through mapAttrsRecursiveCond, and shows those calls"
    ),
}
_KNOWN_BY_ARGUMENTS = tuple(KNOWN_DIFFERENCES)


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the nixpkgs lib/ corpus is not at {CORPUS}")
    # a copy under /tmp: the reference's sandbox does not see the shared folder
    root = tmp_path_factory.mktemp("nixpkgs") / "nixpkgs-lib"
    shutil.copytree(CORPUS, root)
    return root / "lib"


@pytest.fixture(autouse=True, scope="module")
def own_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Our commands' default store: the tests', never the user's."""
    saved = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("store"))
    yield
    if saved is None:
        del os.environ["XDG_DATA_HOME"]
    else:
        os.environ["XDG_DATA_HOME"] = saved


def _tvix_eval(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tvix_cli.main", "eval", *args], capture_output=True, cwd=cwd
    )


def test_misc_tests_pass_as_in_the_reference(lib: Path, oracle: Any) -> None:
    file = lib / "tests" / "misc.nix"
    ours = _tvix_eval("--strict", str(file))
    reference = oracle.run("nix-instantiate", "--eval", "--strict", file, check=False)
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        reference.returncode,
        reference.stdout,
        reference.stderr,
    )
    assert ours.stdout == b"[ ]\n"


@pytest.mark.parametrize("name", ["systems.nix", "checkAndMergeCompat.nix"])
def test_lib_test_file_evaluates_as_the_reference(lib: Path, oracle: Any, name: str) -> None:
    file = lib / "tests" / name
    ours = _tvix_eval("--strict", str(file))
    reference = oracle.run("nix-instantiate", "--eval", "--strict", file, check=False)
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        reference.returncode,
        reference.stdout,
        reference.stderr,
    )


def _run_script(script: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run one of nixpkgs' test scripts with ``nix-instantiate`` being ``tvix eval``; the
    command lines it ran are in ``tmp_path / "commands"``."""
    if shutil.which("bash") is None:
        pytest.skip(f"{script.name} needs bash")
    shim = tmp_path / "bin" / "nix-instantiate"
    shim.parent.mkdir()
    record = tmp_path / "commands"
    shim.write_text(SHIM.format(python=sys.executable, record=shlex.quote(str(record))))
    shim.chmod(0o755)
    env = dict(os.environ, PATH=f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)


def _commands(tmp_path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """The distinct command lines a script ran: (folder, arguments)."""
    found: dict[tuple[str, tuple[str, ...]], None] = {}
    for line in (tmp_path / "commands").read_bytes().split(b"\0\n"):
        if line:
            cwd, *args = line.decode().split("\0")
            found[(cwd, tuple(args))] = None
    return list(found)


def test_network_checks_pass(lib: Path, tmp_path: Path) -> None:
    result = _run_script(lib / "tests" / "network.sh", tmp_path)
    assert (result.returncode, result.stderr.splitlines()[-1:]) == (0, ["tests ok"]), (
        result.stderr[-3000:]
    )


class ScriptRun(NamedTuple):
    result: subprocess.CompletedProcess[str]
    #: The distinct command lines it ran: (folder, arguments).
    commands: list[tuple[str, tuple[str, ...]]]


@pytest.fixture(scope="module")
def modules_run(lib: Path, tmp_path_factory: pytest.TempPathFactory) -> ScriptRun:
    """modules.sh, run once for the tests below."""
    tmp_path = tmp_path_factory.mktemp("modules")
    result = _run_script(lib / "tests" / "modules.sh", tmp_path)
    return ScriptRun(result, _commands(tmp_path))


def test_module_system_checks_pass(modules_run: ScriptRun) -> None:
    result = modules_run.result
    output = result.stdout + result.stderr
    summary = re.search(r"(\d+) Pass\n(\d+) Fail", output)
    assert summary is not None, output[-3000:]
    passed, failed = int(summary[1]), int(summary[2])
    assert failed == 0, output[-5000:]
    assert passed >= 400


def test_module_system_answers_as_the_reference(modules_run: ScriptRun, oracle: Any) -> None:
    """Every command line modules.sh ran, byte for byte as the reference answers it: the
    values, the errors, and the --show-trace traces of real-world code."""
    differences = []

    def compare(command: tuple[str, tuple[str, ...]]) -> None:
        cwd, args = command
        if any(known in " ".join(args) for known in _KNOWN_BY_ARGUMENTS):
            return
        ours = _tvix_eval(*args, cwd=Path(cwd))
        reference = oracle.run("nix-instantiate", "--eval", *args, check=False, cwd=cwd)
        if (ours.returncode, ours.stdout, ours.stderr) != (
            reference.returncode,
            reference.stdout,
            reference.stderr,
        ):
            differences.append(shlex.join(args))

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(compare, modules_run.commands))
    assert len(modules_run.commands) >= 400
    assert not differences, differences
