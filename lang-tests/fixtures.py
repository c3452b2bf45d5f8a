"""Files the cases need that git cannot hold, made on demand in each run's copy of a category.

Git keeps no empty folders, no FIFOs, no modes other than 644/755, and file names that are
not UTF-8 do not survive every checkout; symlinks are made here too, so that a checkout on a
file system without them still runs. :data:`FIXTURES` lists, per category, what to make
(paths relative to the category's folder, as bytes where a name is not UTF-8).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FIXTURES",
    "EmptyDir",
    "Executable",
    "Fifo",
    "File",
    "Fixture",
    "GitRepo",
    "Symlink",
    "make_all",
]


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


@dataclass(frozen=True)
class GitRepo:
    """A git repository made with git: one commit per entry of ``commits`` (files to write,
    by path), at fixed dates and by a fixed author so that its revisions are the same in
    every run; ``tags`` name commits by index; ``dirty`` files are written after the last
    commit without committing them; ``submodules`` (path -> another GitRepo's path, relative
    to the category's folder) are added in a commit of their own."""

    path: bytes
    commits: tuple[dict[str, str], ...]
    tags: tuple[tuple[str, int], ...] = ()
    dirty: tuple[tuple[str, str], ...] = ()
    submodules: tuple[tuple[str, str], ...] = ()

    def make(self, root: Path) -> None:
        repo = _at(root, self.path + b"/.keep")
        os.remove(repo) if os.path.exists(repo) else None
        where = os.fsdecode(os.path.dirname(repo))
        self._git(where, "init", "-q", "-b", "main")
        for index, files in enumerate(self.commits):
            for name, text in files.items():
                target = os.path.join(where, name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                Path(target).write_text(text)
            self._git(where, "add", "-A")
            self._git(where, "commit", "-q", "-m", f"commit {index}", date=index)
        for name, index in self.tags:
            self._git(where, "tag", name, f"HEAD~{len(self.commits) - 1 - index}")
        for sub_path, sub_repo in self.submodules:
            # Relative, as a path from this repository: the same in every copy of the folder.
            url = os.path.relpath(os.path.join(os.fsdecode(root), sub_repo), where)
            self._git(
                where, "-c", "protocol.file.allow=always", "submodule", "add", "-q", url, sub_path
            )
            self._git(where, "commit", "-q", "-m", "submodules", date=len(self.commits))
        for name, text in self.dirty:
            Path(where, name).write_text(text)

    @staticmethod
    def _git(where: str, *args: str, date: int = 0) -> None:
        stamp = f"{1_700_000_000 + date * 86_400} +0000"
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "lang-tests",
            "GIT_AUTHOR_EMAIL": "lang-tests@example.org",
            "GIT_COMMITTER_NAME": "lang-tests",
            "GIT_COMMITTER_EMAIL": "lang-tests@example.org",
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        subprocess.run(["git", *args], cwd=where, env=env, check=True, capture_output=True)


Fixture = Symlink | EmptyDir | File | Executable | Fifo | GitRepo


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
        # Repositories for fetchGit and fetchTree: history, tags, export-ignore, submodules.
        GitRepo(
            b"git/history",
            (
                {"a.txt": "one\n", "d/b.txt": "bee\n"},
                {
                    "a.txt": "two\n",
                    ".gitattributes": "secret.txt export-ignore\n",
                    "secret.txt": "not exported\n",
                },
                {"c.txt": "three\n"},
            ),
            tags=(("v1", 0), ("v2", 1)),
        ),
        GitRepo(
            b"git/dirty",
            ({"a.txt": "clean\n"},),
            dirty=(("a.txt", "changed\n"), ("untracked.txt", "left out\n")),
        ),
        GitRepo(b"git/sub", ({"inner.txt": "from the submodule\n"},)),
        GitRepo(b"git/super", ({"outer.txt": "outer\n"},), submodules=(("lib", "git/sub"),)),
    ],
}


def make_all(category: str, root: Path) -> None:
    """Make the category's fixtures under ``root`` (a fresh copy of the category's folder)."""
    for fixture in FIXTURES.get(category, []):
        fixture.make(root)
