"""The embedded default store: what the commands use when no service is named.

It lives under ``$XDG_DATA_HOME/tvix`` (``~/.local/share/tvix``): blobs as local files,
directories and other metadata (tvix-store's PathInfo) in sqlite files, so there is nothing
to start. Every command of every package finds the same one here.
"""

from __future__ import annotations

import os
from pathlib import Path

from tvix_castore.errors import CastoreError

__all__ = ["default_store_dir", "default_store_url"]


def default_store_dir() -> Path:
    """Where the embedded store lives: ``$XDG_DATA_HOME/tvix`` (``~/.local/share/tvix``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tvix"


def default_store_url(family: str) -> str:
    """The URL of a service family's part of the embedded store (its folder made on first
    use): blobs as local files, directories, PathInfo and the like in sqlite files."""
    store = default_store_dir()
    try:
        store.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CastoreError(f"cannot create the default store {store}: {exc.strerror}") from None
    if family == "blobservices":
        return f"objectstore+file://{store / 'blobs'}"
    files = {"directoryservices": "directories.sqlite", "pathinfoservices": "pathinfo.sqlite"}
    return f"sqlite://{store / files.get(family, family + '.sqlite')}"
