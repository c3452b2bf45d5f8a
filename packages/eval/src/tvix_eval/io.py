"""The one door through which evaluation reaches files, the environment and the store.

tvix-eval knows no store: :class:`LocalIO` reads local files and refuses store operations;
tvix-glue replaces it with one backed by a real store (whose paths it also reads, wherever
the store keeps them). Pure evaluation wraps either in :class:`PureIO`, which refuses the
environment and files outside the store paths the evaluation was given.
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

    def allow(self, store_path: str) -> None:
        """Let pure evaluation read ``store_path`` (named by a string's context); nothing
        to do where evaluation is not pure."""
        ...

    def check_access(self, path: str) -> None:
        """Refuse a path evaluation may not read (pure evaluation's rule); nothing to do
        where evaluation is not pure."""
        ...

    def realise(self, drv_path: str, output: str) -> str | None:
        """Make output ``output`` of the derivation at ``drv_path`` exist, as a path in a
        string's context that is read must (import from derivation); its path, or None
        where there is no store to make it in."""
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

    def allow(self, store_path: str) -> None:
        pass

    def check_access(self, path: str) -> None:
        pass

    def realise(self, drv_path: str, output: str) -> str | None:
        return None

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


class PureIO:
    """Pure evaluation (``--pure-eval``), around the evaluation's own I/O: no environment,
    and no file but those of store paths the evaluation was given in a string's context or
    added itself (as C++ Nix allows them); everything else is refused in C++ Nix's words.
    ``pathExists`` of a refused path is false, as there."""

    def __init__(self, inner: EvalIO | None = None) -> None:
        self.inner: EvalIO = inner if inner is not None else LocalIO()
        self.store_dir = self.inner.store_dir
        self._allowed: set[str] = set()

    def allow(self, store_path: str) -> None:
        self._allowed.add(store_path.rstrip("/"))

    def _allows(self, path: str) -> bool:
        prefix = self.store_dir.rstrip("/") + "/"
        if not path.startswith(prefix):
            return False
        name = path[len(prefix) :].split("/", 1)[0]
        return prefix + name in self._allowed

    def check_access(self, path: str) -> None:
        self._check(path)

    def realise(self, drv_path: str, output: str) -> str | None:
        made = self.inner.realise(drv_path, output)
        if made is not None:
            self.allow(made)
        return made

    def _check(self, path: str) -> str:
        if not self._allows(path):
            top = "/" + path.lstrip("/").split("/", 1)[0]
            refused = NixError(
                f"access to absolute path '{top}' is forbidden in pure evaluation mode "
                "(use '--impure' to override)"
            )
            refused.positioned = False
            raise refused
        return path

    def read_file(self, path: str) -> bytes:
        return self.inner.read_file(self._check(path))

    def path_exists(self, path: str) -> bool:
        return self._allows(path) and self.inner.path_exists(path)

    def read_dir(self, path: str) -> dict[str, str]:
        return self.inner.read_dir(self._check(path))

    def get_env(self, name: str) -> str:
        return ""

    def file_type(self, path: str) -> str:
        return self.inner.file_type(self._check(path))

    def read_link(self, path: str) -> str | None:
        return self.inner.read_link(self._check(path))

    def real_path(self, path: str) -> str:
        # Only allowed paths are resolved: a symlink out of one is checked where it leads.
        return self.inner.real_path(path) if self._allows(path) else path

    def copy_to_store(self, path: str) -> str:
        added = self.inner.copy_to_store(self._check(path))
        self.allow(added)
        return added

    def import_path(
        self,
        path: str,
        name: str,
        *,
        keep: PathFilter | None = None,
        recursive: bool = True,
        expected_sha256: bytes | None = None,
    ) -> str:
        added = self.inner.import_path(
            self._check(path),
            name,
            keep=keep,
            recursive=recursive,
            expected_sha256=expected_sha256,
        )
        self.allow(added)
        return added
