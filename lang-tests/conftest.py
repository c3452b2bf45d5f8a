"""lang-tests: ``--verify-oracle`` also checks every expectation against the reference."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

VERIFY_TEST = "test_expectation_is_the_references"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--verify-oracle",
        action="store_true",
        help="re-run every lang-test case through the reference C++ Nix and fail where its "
        "answer differs from the case's expectation files",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``--verify-oracle`` the comparisons with the reference are deselected."""
    if config.getoption("--verify-oracle"):
        return
    here = Path(__file__).resolve().parent
    chosen: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        is_verify = item.path.parent == here and item.name.startswith(VERIFY_TEST + "[")
        (dropped if is_verify else chosen).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = chosen
