"""Trees the store's tests import, render and compare with the reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def make_tree(root: Path) -> Path:
    """A tree with each kind of entry NAR knows, and names that are awkward for it."""
    root.mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "bin" / "hello").write_bytes(b"#!/bin/sh\necho hello\n")
    (root / "bin" / "hello").chmod(0o755)
    (root / "empty-file").write_bytes(b"")
    (root / "empty-dir").mkdir()
    (root / "link").symlink_to("bin/hello")
    (root / "dangling").symlink_to("/nowhere/at/all")
    (root / "large").write_bytes(os.urandom(3 * 1024 * 1024 + 7))
    os.mkdir(os.path.join(os.fsencode(root), b"caf\xe9-not-utf8"))
    deep = root / "deep"
    for level in range(40):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "leaf").write_bytes(b"leaf\n")
    for i in range(30):
        (root / "many" / f"f{i:02}").parent.mkdir(exist_ok=True)
        (root / "many" / f"f{i:02}").write_bytes(bytes([i]) * (i * 97))
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "tree")
