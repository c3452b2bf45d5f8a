"""Files the cases need that git cannot hold, made on demand in each run's copy of a category.

Git keeps no empty folders, no FIFOs, no modes other than 644/755, and file names that are
not UTF-8 do not survive every checkout; symlinks are made here too, so that a checkout on a
file system without them still runs. :data:`FIXTURES` lists, per category, what to make
(paths relative to the category's folder, as bytes where a name is not UTF-8).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FIXTURES", "EmptyDir", "Executable", "Fifo", "File", "Fixture", "Symlink", "make_all"]


@dataclass(frozen=True)
class Symlink:
    path: bytes
    target: bytes

    def make(self, root: Path) -> None:
        os.symlink(self.target, _at(root, self.path))


@dataclass(frozen=True)
class EmptyDir:
    path: bytes

    def make(self, root: Path) -> None:
        os.makedirs(_at(root, self.path), exist_ok=True)


@dataclass(frozen=True)
class File:
    """A regular file, for names git cannot carry (not UTF-8)."""

    path: bytes
    content: bytes

    def make(self, root: Path) -> None:
        with open(_at(root, self.path), "wb") as f:
            f.write(self.content)


@dataclass(frozen=True)
class Executable:
    path: bytes
    content: bytes

    def make(self, root: Path) -> None:
        target = _at(root, self.path)
        with open(target, "wb") as f:
            f.write(self.content)
        os.chmod(target, 0o755)


@dataclass(frozen=True)
class Fifo:
    path: bytes

    def make(self, root: Path) -> None:
        os.mkfifo(_at(root, self.path))


Fixture = Symlink | EmptyDir | File | Executable | Fifo


def _at(root: Path, path: bytes) -> bytes:
    full = os.path.join(os.fsencode(root), path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    return full


FIXTURES: dict[str, list[Fixture]] = {
    "eval": [
        # import follows symlinks, to files and to folders (then default.nix).
        Symlink(b"fs/link-to-one.nix", b"../lib/one.nix"),
        Symlink(b"fs/link-to-link.nix", b"link-to-one.nix"),
        Symlink(b"fs/link-to-dir", b"../lib/dir-with-default"),
        Symlink(b"fs/dangling.nix", b"does-not-exist.nix"),
        Symlink(b"fs/loop-a.nix", b"loop-b.nix"),
        Symlink(b"fs/loop-b.nix", b"loop-a.nix"),
        # A folder without default.nix, as a search path entry and as an import.
        EmptyDir(b"fs/empty"),
        EmptyDir(b"fs/search/empty-entry"),
        # File names that are not UTF-8 (Latin-1 e-acute), reached from strings holding the byte.
        File(b"fs/caf\xe9.nix", b'"latin-1 named file"\n'),
        File(b"fs/dir-\xff/default.nix", b"{ byte = 255; }\n"),
        # Mode bits and special files, as a folder listing would see them.
        Executable(b"fs/kinds/script.sh", b"#!/bin/sh\necho hi\n"),
        File(b"fs/kinds/plain.txt", b"plain\n"),
        EmptyDir(b"fs/kinds/subdir"),
        Symlink(b"fs/kinds/link", b"plain.txt"),
        Fifo(b"fs/kinds/fifo"),
    ],
    "glue": [
        # Trees added to the store: a symlink (copied as one, or followed), an executable.
        Symlink(b"src/link", b"a.txt"),
        Symlink(b"src-link", b"src"),
        Executable(b"src/run.sh", b"#!/bin/sh\necho hi\n"),
    ],
}


def make_all(category: str, root: Path) -> None:
    """Make the category's fixtures under ``root`` (a fresh copy of the category's folder)."""
    for fixture in FIXTURES.get(category, []):
        fixture.make(root)
