"""The ``tvix`` fixture; test helpers of this folder (non-test modules beside the tests)
import by name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_harness import Tvix, runner


@pytest.fixture
def tvix(capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch) -> Tvix:
    """Runs ``tvix`` command lines in the test process (see :func:`cli_harness.runner`)."""
    return runner(capsysbinary, monkeypatch)
