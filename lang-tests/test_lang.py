"""Run every lang-test check: our answer must equal its expectation file (which came from the
reference). Checks named in known-failures.txt are expected to fail, strictly: one that starts
passing fails the run until its line is removed. With ``--verify-oracle`` the reference runs
too and must still agree with every expectation, so that a stale or hand-edited one cannot
pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import CATEGORIES, HERE, Check, case_files, checks, known_failures, runner_for

CHECKS = checks()
KNOWN = known_failures()


def _with_known_failure(check: Check) -> object:
    reason = KNOWN.get(check.name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason is not None else []
    return pytest.param(check, id=check.test_id, marks=marks)


@pytest.mark.parametrize("check", [_with_known_failure(c) for c in CHECKS])
def test_case(check: Check) -> None:
    assert check.ours() == check.expected()


@pytest.mark.parametrize("check", CHECKS, ids=[c.test_id for c in CHECKS])
def test_expectation_is_the_references(check: Check, oracle: object) -> None:
    """Only with ``--verify-oracle`` (deselected otherwise, see conftest.py)."""
    assert check.reference(oracle) == check.expected(), "the expectation is not the reference's"


def test_known_failures_name_real_checks() -> None:
    names = [c.name for c in CHECKS]
    assert len(names) == len(set(names)), "two cases share a name"
    assert sorted(set(KNOWN) - set(names)) == []
    assert all(KNOWN.values()), "every known failure says why"


def _case_of(path: Path) -> Path | None:
    """The case an expectation or flags file belongs to, or None for other files."""
    for suffix in (".err.exp", ".out.exp", ".exp-lazy", ".exp", ".flags"):
        if path.name.endswith(suffix):
            return path.with_name(path.name[: -len(suffix)] + ".nix")
    return None


def test_every_expectation_belongs_to_a_case() -> None:
    """No expectation or flags file is left behind by a renamed or deleted case."""
    cases = set(case_files())
    strays = [
        p.name
        for folder in [HERE, *(HERE / c for c in CATEGORIES)]
        for p in folder.iterdir()
        if _case_of(p) not in (None, *cases)
    ]
    assert strays == []


def test_every_case_is_a_known_kind() -> None:
    """A case file whose name no runner claims would silently never run."""
    unclaimed = [
        p.name
        for folder in [HERE, *(HERE / c for c in CATEGORIES)]
        for p in folder.glob("*-*.nix")
        if p.name.startswith(("eval-", "parse-")) and runner_for(p) is None
    ]
    assert unclaimed == []
