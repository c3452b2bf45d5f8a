"""The ``store`` fixture (a store of files in the test's folder); test helpers of this folder
(non-test modules beside the tests) import by name."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tvix_store.services import Store, StoreAddresses


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store of real files (object store blobs, sqlite directories and path infos)."""
    opened = StoreAddresses(
        f"objectstore+file://{tmp_path}/blobs",
        f"sqlite://{tmp_path}/directories.sqlite",
        f"sqlite://{tmp_path}/pathinfo.sqlite",
        None,
    ).open()
    yield opened
    opened.close()
