"""Run every lang-test case: our answer must equal its ``.exp`` (which came from the
reference). With ``--verify-oracle`` the reference runs too and must still agree with the
``.exp``, so that a stale or hand-edited expectation cannot pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import case_files, expectation_of, runner_for

CASES = case_files()


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path, verify_oracle: bool, request: pytest.FixtureRequest) -> None:
    runner = runner_for(case)
    assert runner is not None
    expected = expectation_of(case).read_text(encoding="utf-8", errors="surrogateescape")
    if verify_oracle:
        oracle = request.getfixturevalue("oracle")
        assert runner.reference(oracle, case) == expected, "the .exp is not the reference's"
    assert runner.ours(case) == expected
