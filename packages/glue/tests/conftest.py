"""The ``store`` fixture (a store of files in the test's folder), and a cache folder of each
test's own (fetch caches, git and hg clones: ``XDG_CACHE_HOME``); test helpers of this folder
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


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own ``XDG_CACHE_HOME``: what one test fetched, another fetches anew."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"
