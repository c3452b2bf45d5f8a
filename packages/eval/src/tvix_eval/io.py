"""The one door through which evaluation reaches files, the environment and the store.

tvix-eval knows no store: :class:`LocalIO` reads local files and refuses store operations;
tvix-glue replaces it with one backed by a real store (whose paths it also reads, wherever
the store keeps them). Pure evaluation uses :class:`PureIO`, which refuses the environment
too.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import Protocol

from tvix_eval.errors import NixError

__all__ = ["DEFAULT_STORE_DIR", "EvalIO", "LocalIO", "PathFilter", "PureIO"]

#: Where store paths live unless said otherwise (nix-compat's ``DEFAULT_STORE_DIR``, not
#: imported here: evaluation starts without loading nix-compat's hashing).
DEFAULT_STORE_DIR = "/nix/store"

#: Whether to keep a path (absolute) of the given type (``regular``, ``directory``,
#: ``symlink``, ``unknown``) when a tree is added to the store (``builtins.path``'s
#: ``filter``, ``filterSource``).
PathFilter = Callable[[str, str], bool]


class EvalIO(Protocol):
    #: The store directory, as ``builtins.storeDir`` gives it.
    store_dir: str

    def read_file(self, path: str) -> bytes: ...

    def path_exists(self, path: str) -> bool: ...

    def read_dir(self, path: str) -> dict[str, str]:
        """Entry name -> ``regular``, ``directory``, ``symlink`` or ``unknown``."""
        ...

    def get_env(self, name: str) -> str: ...

    def file_type(self, path: str) -> str:
        """What ``path`` is, following symlinks: ``regular``, ``directory``, ``symlink``
        (dangling), ``unknown`` or ``missing``."""
        ...

    def read_link(self, path: str) -> str | None:
        """The target of ``path`` if it is a symlink, None if it is anything else; a
        ``path`` that does not exist is an error."""
        ...

    def real_path(self, path: str) -> str:
        """``path`` with every symlink in it resolved (as far as its parts exist)."""
        ...

    def copy_to_store(self, path: str) -> str:
        """Copy a path put into a string to the store (a symlink as a symlink, under the
        path's base name); returns its store path."""
        ...

    def import_path(
        self,
        path: str,
        name: str,
        *,
        keep: PathFilter | None = None,
        recursive: bool = True,
        expected_sha256: bytes | None = None,
    ) -> str:
        """Add ``path`` (followed if a symlink) to the store as ``name``, with only what
        ``keep`` keeps, as ``builtins.path`` does: its NAR (``recursive``) or its contents
        (flat) must hash to ``expected_sha256`` when given; returns the store path."""
        ...


class LocalIO:
    """Files and environment of this machine; no store."""

    def __init__(self, store_dir: str = DEFAULT_STORE_DIR) -> None:
        self.store_dir = store_dir

    def read_file(self, path: str) -> bytes:
        try:
            with open(path, "rb") as f:
                return f.read()
        except IsADirectoryError:
            raise NixError(f"reading file '{path}': Is a directory") from None
        except FileNotFoundError:
            raise NixError(f"path '{path}' does not exist") from None
        except OSError as e:
            raise NixError(f"reading file '{path}': {e.strerror}") from None

    def path_exists(self, path: str) -> bool:
        return os.path.lexists(path)

    def read_dir(self, path: str) -> dict[str, str]:
        entries = {}
        try:
            with os.scandir(path) as it:
                for entry in it:
                    if entry.is_symlink():
                        kind = "symlink"
                    elif entry.is_dir():
                        kind = "directory"
                    elif entry.is_file():
                        kind = "regular"
                    else:
                        kind = "unknown"
                    entries[entry.name] = kind
        except OSError as e:
            raise NixError(f"reading directory '{path}': {e.strerror}") from None
        return entries

    def get_env(self, name: str) -> str:
        return os.environ.get(name, "")

    def file_type(self, path: str) -> str:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            return "symlink" if os.path.islink(path) else "missing"
        except OSError:
            return "unknown"
        if stat.S_ISDIR(mode):
            return "directory"
        return "regular" if stat.S_ISREG(mode) else "unknown"

    def read_link(self, path: str) -> str | None:
        try:
            if not stat.S_ISLNK(os.lstat(path).st_mode):
                return None
            return os.readlink(path)
        except FileNotFoundError:
            raise NixError(f"path '{path}' does not exist") from None
        except OSError as e:
            raise NixError(f"reading '{path}': {e.strerror}") from None

    def real_path(self, path: str) -> str:
        return os.path.realpath(path)

    def copy_to_store(self, path: str) -> str:
        if not os.path.lexists(path):
            # What C++ Nix says before any store is involved, at no position.
            missing = NixError(f"path '{path}' does not exist")
            missing.positioned = False
            raise missing
        raise NixError(f"cannot copy '{path}' to the store: this evaluation has no store")

    def import_path(
        self,
        path: str,
        name: str,
        *,
        keep: PathFilter | None = None,
        recursive: bool = True,
        expected_sha256: bytes | None = None,
    ) -> str:
        return self.copy_to_store(path)


class PureIO(LocalIO):
    """Pure evaluation: no environment."""

    def get_env(self, name: str) -> str:
        return ""
