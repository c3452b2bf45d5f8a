"""What fetches found, remembered between evaluations, as C++ Nix's fetcher cache remembers it.

A fetch without a hash (``fetchurl "URL"``, ``fetchTarball``, a ``fetchTree`` of a tarball)
is not repeated for ``tarball-ttl`` seconds (an hour by default): the store path it gave is
used again. A git revision is fetched once: a commit does not change. An entry counts only
while its store path is still in the store. The cache is a sqlite file under the user's
cache folder (``$XDG_CACHE_HOME/tvix/fetcher-cache-v1.sqlite``); where it cannot be opened or
written, fetches simply happen again: the cache never makes an evaluation fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CachedFetch", "FetchCache", "default_cache"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetches (
    key TEXT PRIMARY KEY,
    store_path TEXT NOT NULL,
    attrs TEXT NOT NULL,
    fetched_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class CachedFetch:
    """A fetch remembered: the store path it gave and what it told about its source."""

    store_path: str
    attrs: dict[str, Any]


class FetchCache:
    """Fetch results by what was fetched (a kind and its parameters)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                self._db.execute(_SCHEMA)
            except (OSError, sqlite3.Error):
                self._broken = True
        return self._db

    @staticmethod
    def _key(kind: str, params: dict[str, Any]) -> str:
        return json.dumps([kind, params], sort_keys=True, separators=(",", ":"))

    def get(self, kind: str, params: dict[str, Any], max_age: float | None) -> CachedFetch | None:
        """The remembered result, if it is younger than ``max_age`` seconds (None: any age)."""
        db = self._connection()
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT store_path, attrs, fetched_at FROM fetches WHERE key = ?",
                (self._key(kind, params),),
            ).fetchone()
        except sqlite3.Error:
            return None
        if row is None or (max_age is not None and time.time() - row[2] > max_age):
            return None
        try:
            attrs = json.loads(row[1])
        except ValueError:
            return None
        return CachedFetch(row[0], attrs if isinstance(attrs, dict) else {})

    def put(
        self, kind: str, params: dict[str, Any], store_path: str, attrs: dict[str, Any]
    ) -> None:
        db = self._connection()
        if db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            db.execute(
                "INSERT OR REPLACE INTO fetches VALUES (?, ?, ?, ?)",
                (self._key(kind, params), store_path, json.dumps(attrs), time.time()),
            )


def default_cache() -> FetchCache:
    """The user's fetch cache."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return FetchCache(Path(base) / "tvix" / "fetcher-cache-v1.sqlite")
