"""The ``castore`` fixture (memory services holding a static busybox, the builder of the test
builds); test helpers of this folder (non-test modules beside the tests) import by name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_support import Castore, castore_with_busybox


@pytest.fixture
def castore() -> Castore:
    return castore_with_busybox()
