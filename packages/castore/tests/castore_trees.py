"""A tree of every kind of entry (folders, an empty one, small and large files, an
executable, a symlink and a dangling one, two files with the same contents), for the tests
that import trees and write them out again."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["make_tree"]


def make_tree(root: Path) -> Path:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "a.txt").write_bytes(b"hello\n")
    (root / "sub" / "big.bin").write_bytes(os.urandom(700 * 1024 + 17))
    tool = root / "sub" / "deeper" / "tool"
    tool.write_bytes(b"#!/bin/sh\necho hi\n")
    tool.chmod(0o755)
    (root / "link").symlink_to("sub/deeper/tool")
    (root / "dangling").symlink_to("/nowhere/at/all")
    (root / "sub" / "same.txt").write_bytes(b"hello\n")
    return root
