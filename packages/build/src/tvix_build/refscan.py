"""Reference scanning: which of a build's needles (for Nix, the hash parts of store paths)
appear in what it produced, in file contents and symlink targets, as Nix scans outputs for
the paths they refer to. Files are read in pieces, overlapping by a needle's length less one,
so that a needle across two pieces is found and memory does not grow with a file's size."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Final

__all__ = ["scan_tree"]

_PIECE: Final = 1 << 20


def scan_tree(path: str | os.PathLike[str], needles: Sequence[str]) -> frozenset[int]:
    """The indices of ``needles`` found anywhere under ``path`` (a file, symlink or folder)."""
    if not needles:
        return frozenset()
    wanted = {needle.encode(): i for i, needle in enumerate(needles)}
    pattern = re.compile(b"|".join(re.escape(n) for n in sorted(wanted, key=len, reverse=True)))
    overlap = max(len(n) for n in wanted) - 1
    found: set[int] = set()
    for entry in _entries(os.fsencode(path)):
        if os.path.islink(entry):
            data = os.readlink(entry)
            found.update(wanted[m.group()] for m in pattern.finditer(data))
        elif os.path.isfile(entry):
            found.update(_scan_file(entry, pattern, wanted, overlap))
        if len(found) == len(wanted):
            break
    return frozenset(found)


def _entries(root: bytes) -> list[bytes]:
    if os.path.islink(root) or not os.path.isdir(root):
        return [root]
    entries: list[bytes] = []
    for folder, dirs, files in os.walk(root):
        entries.extend(os.path.join(folder, name) for name in files)
        # Symlinks to folders are listed as folders by os.walk; they are entries too.
        entries.extend(
            os.path.join(folder, d) for d in dirs if os.path.islink(os.path.join(folder, d))
        )
    return entries


def _scan_file(
    path: bytes, pattern: re.Pattern[bytes], wanted: dict[bytes, int], overlap: int
) -> set[int]:
    found: set[int] = set()
    tail = b""
    with open(path, "rb") as source:
        while piece := source.read(_PIECE):
            data = tail + piece
            found.update(wanted[m.group()] for m in pattern.finditer(data))
            tail = data[-overlap:] if overlap else b""
    return found
