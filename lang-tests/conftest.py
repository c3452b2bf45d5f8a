"""lang-tests: ``--verify-oracle`` also checks every expectation against the reference."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--verify-oracle",
        action="store_true",
        help="re-run every lang-test case through the reference C++ Nix and fail where its "
        "answer differs from the case's .exp",
    )


@pytest.fixture
def verify_oracle(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--verify-oracle"))
