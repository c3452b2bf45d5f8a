"""The lang-tests harness: what each kind of case runs, with us and with the reference.

A case is ``<kind>-<name>.nix`` in this folder with its expectation ``<kind>-<name>.exp``.
:data:`RUNNERS` maps each kind (the file name's prefix) to a :class:`Runner`: ``ours`` gives our
answer, ``reference`` the reference C++ Nix's, both as the text an ``.exp`` file holds. New kinds
of cases (evaluation, ...) are new entries of the table.

Expectations must not depend on where the checkout is: the folder a case sits in is written
``/pwd`` (the reference runs on a copy of the case in a temporary folder, which becomes ``/pwd``
just the same).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tvix_eval.errors import ParseError
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.printer import print_expr
from tvix_eval.syntax.source import Source

__all__ = ["HERE", "RUNNERS", "Runner", "case_files", "expectation_of", "runner_for"]

HERE = Path(__file__).resolve().parent
PWD = "/pwd"


def _read(path: Path) -> Source:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    return Source(str(path), text, str(path))


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
class Runner:
    ours: Callable[[Path], str]
    reference: Callable[[Any, Path], str]


# -- parse-okay: the tree as nix-instantiate --parse prints it ------------------------------


def _parse_okay_ours(case: Path) -> str:
    return _placeholder(print_expr(parse(_read(case))), case.parent) + "\n"


def _parse_okay_reference(oracle: Any, case: Path) -> str:
    def run(copy: Path) -> str:
        result = oracle.run("nix-instantiate", "--parse", copy)
        return str(result.stdout.decode("utf-8", "surrogateescape"))

    return _on_a_copy(case, run)


# -- parse-fail: the error message and its location -------------------------------------------


def _error_head(text: str) -> str:
    """The first two lines of an error: the message and ``at file:line:column:``."""
    return "\n".join(text.splitlines()[:2]) + "\n"


def _parse_fail_ours(case: Path) -> str:
    try:
        parse(_read(case))
    except ParseError as error:
        return _placeholder(_error_head(error.render()), case.parent)
    return "(accepted)\n"


def _parse_fail_reference(oracle: Any, case: Path) -> str:
    def run(copy: Path) -> str:
        result = oracle.run("nix-instantiate", "--parse", copy, check=False)
        if result.returncode == 0:
            return "(accepted)\n"
        return _error_head(result.stderr.decode("utf-8", "surrogateescape"))

    return _on_a_copy(case, run)


RUNNERS: dict[str, Runner] = {
    "parse-okay": Runner(_parse_okay_ours, _parse_okay_reference),
    "parse-fail": Runner(_parse_fail_ours, _parse_fail_reference),
}


def runner_for(case: Path) -> Runner | None:
    for kind, runner in RUNNERS.items():
        if case.name.startswith(kind + "-"):
            return runner
    return None


def case_files() -> list[Path]:
    """Every case this harness knows how to run."""
    return [p for p in sorted(HERE.glob("*.nix")) if runner_for(p) is not None]


def expectation_of(case: Path) -> Path:
    return case.with_suffix(".exp")
