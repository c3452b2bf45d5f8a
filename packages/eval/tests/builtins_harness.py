"""Differential testing of builtins against the reference C++ Nix, shared by the
``test_builtins_*.py`` files (which load it by path: tests folders are not packages).

Each test file lists expressions in two kinds:

* values, compared by their ``--strict`` printed value. The reference evaluates all of a
  file's values in one ``nix-instantiate --eval --strict -E e1 e2 ...`` call (one line each);
* full cases (errors, traces, warnings), compared by exit code, stdout and stderr, byte for
  byte; the reference runs these one call each, a few at a time.

We evaluate in this process (no interpreter start-up per case), printing as ``tvix eval
--strict`` prints. Expressions may contain ``{dir}``: a scratch folder, also the working
directory of both sides, where a test can put files.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tvix_eval.builtins.control import deep_force
from tvix_eval.errors import EvalError
from tvix_eval.evaluator import Evaluator
from tvix_eval.printer import print_value
from tvix_eval.syntax.source import Source
from tvix_eval.value import force

__all__ = ["Differential", "Outcome", "differential_tests", "expression", "xfail_core"]


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def xfail_core(expr: str, reason: str) -> Any:
    """A case that fails because of the evaluator core (not the builtins): strict, so it
    is noticed when the core is fixed."""
    return pytest.param(expr, marks=pytest.mark.xfail(reason=reason, strict=True))


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class Differential:
    """Both evaluators, in one scratch folder."""

    def __init__(self, oracle: Any, folder: Path) -> None:
        self.oracle = oracle
        self.folder = folder
        self.expected_values: dict[str, str] = {}
        self.expected_outcomes: dict[str, Outcome] = {}
        self.expected_lazy: dict[str, str] = {}

    def expand(self, expr: str) -> str:
        return expr.replace("{dir}", str(self.folder))

    # -- the reference ----------------------------------------------------------------------

    def reference_values(self, exprs: Iterable[str], strict: bool = True) -> dict[str, str]:
        """Every expression's printed value, from one reference call (or, if some case
        fails there, one call each: a failing value case then shows the reference's error)."""
        exprs = list(dict.fromkeys(exprs))
        result = self.oracle.run(
            "nix-instantiate",
            "--eval",
            *(["--strict"] if strict else []),
            "-E",
            *map(self.expand, exprs),
            check=False,
            cwd=self.folder,
        )
        lines = _decode(result.stdout).split("\n")
        if result.returncode != 0 or len(lines) != len(exprs) + 1:
            outcomes = self.reference_outcomes(exprs)
            return {e: o.stdout if o.returncode == 0 else o.stderr for e, o in outcomes.items()}
        return dict(zip(exprs, (line + "\n" for line in lines), strict=False))

    def reference_outcome(self, expr: str) -> Outcome:
        result = self.oracle.run(
            "nix-instantiate", "--eval", "--strict", "-E", self.expand(expr),
            check=False, cwd=self.folder,
        )  # fmt: skip
        return Outcome(result.returncode, _decode(result.stdout), _decode(result.stderr))

    def reference_outcomes(self, exprs: Iterable[str]) -> dict[str, Outcome]:
        exprs = list(dict.fromkeys(exprs))
        with ThreadPoolExecutor(4) as pool:
            return dict(zip(exprs, pool.map(self.reference_outcome, exprs), strict=True))

    # -- ours -------------------------------------------------------------------------------

    def ours(self, expr: str, strict: bool = True) -> Outcome:
        """What ``tvix eval [--strict] -E expr`` prints, evaluated in this process."""
        errors = io.StringIO()
        previous = os.getcwd()
        os.chdir(self.folder)
        try:
            with contextlib.redirect_stderr(errors):
                try:
                    text = Evaluator().evaluate(
                        Source("«string»", self.expand(expr)),
                        then=lambda v: print_value(
                            deep_force(v) if strict else force(v), strict=strict
                        ),
                    )
                except EvalError as e:
                    return Outcome(1, "", errors.getvalue() + e.render() + "\n")
        finally:
            os.chdir(previous)
        return Outcome(0, text + "\n", errors.getvalue())


def _difference(ours: Outcome, expected: Outcome) -> str:
    return (
        f"\n--- reference (exit {expected.returncode}):\n{expected.stdout}{expected.stderr}"
        f"\n--- ours (exit {ours.returncode}):\n{ours.stdout}{ours.stderr}"
    )


def expression(case: Any) -> str:
    return case if isinstance(case, str) else str(case.values[0])


def differential_tests(
    values: list[Any],
    full: list[Any],
    setup: Callable[[Path], None] | None = None,
    lazy: list[Any] | None = None,
) -> tuple[Any, ...]:
    """The module fixture and the parametrized tests of a test file: its value cases print
    as the reference prints them (``lazy`` ones without ``--strict``: what is still a thunk
    shows), its full cases end as the reference's do."""
    lazy = lazy or []

    @pytest.fixture(scope="module")
    def differential(oracle: Any, tmp_path_factory: Any) -> Differential:
        folder = tmp_path_factory.mktemp("builtins")
        if setup is not None:
            setup(folder)
        checker = Differential(oracle, folder)
        checker.expected_values = (
            checker.reference_values(map(expression, values)) if values else {}
        )
        checker.expected_outcomes = checker.reference_outcomes(map(expression, full))
        checker.expected_lazy = (
            checker.reference_values(map(expression, lazy), strict=False) if lazy else {}
        )
        return checker

    @pytest.mark.parametrize("expr", values)
    def test_value_prints_as_the_reference_prints_it(differential: Differential, expr: str) -> None:
        expected = Outcome(0, differential.expected_values[expr], "")
        ours = differential.ours(expr)
        assert ours == expected, _difference(ours, expected)

    @pytest.mark.parametrize("expr", full)
    def test_outcome_is_the_reference_outcome(differential: Differential, expr: str) -> None:
        ours = differential.ours(expr)
        expected = differential.expected_outcomes[expr]
        assert ours == expected, _difference(ours, expected)

    @pytest.mark.parametrize("expr", lazy)
    def test_lazy_value_prints_as_the_reference_prints_it(
        differential: Differential, expr: str
    ) -> None:
        expected = Outcome(0, differential.expected_lazy[expr], "")
        ours = differential.ours(expr, strict=False)
        assert ours == expected, _difference(ours, expected)

    tests = (
        differential,
        test_value_prints_as_the_reference_prints_it,
        test_outcome_is_the_reference_outcome,
    )
    return (*tests, test_lazy_value_prints_as_the_reference_prints_it) if lazy else tests
