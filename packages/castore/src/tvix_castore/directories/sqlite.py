"""Directories in a sqlite file: the embedded default.

WAL mode lets readers go on while one writer commits; each thread has its own connection,
and a closure is written in one transaction, so it appears whole or not at all, even across
processes sharing the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import (
    ClosurePutter,
    DirectoryPutter,
    check_fetched,
    traverse,
)
from tvix_castore.errors import DirectoryServiceError, NodeError
from tvix_castore.nodes import Directory
from tvix_castore.sqlite_db import SqliteDatabase

__all__ = ["SqliteDirectoryService"]

_SCHEMA = ("CREATE TABLE IF NOT EXISTS directories (digest BLOB PRIMARY KEY, data BLOB NOT NULL)",)


class SqliteDirectoryService:
    """Directories as (digest, canonical encoding) rows; ``path`` may be ``:memory:``."""

    def __init__(self, path: str | os.PathLike[str]):
        self._db = SqliteDatabase(path, _SCHEMA, DirectoryServiceError)
        self.path = self._db.path

    def get(self, digest: B3Digest) -> Directory | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT data FROM directories WHERE digest = ?", (bytes(digest),)
            ).fetchone()
        if row is None:
            return None
        try:
            return check_fetched(digest, Directory.from_bytes(row[0], digest))
        except NodeError as exc:
            raise DirectoryServiceError(f"directory {digest}: corrupt row: {exc}") from None

    def get_recursive(self, root: B3Digest) -> Iterator[Directory]:
        return traverse(self.get, root)

    def _write(self, closure: list[Directory]) -> None:
        rows = [(bytes(d.digest), d.encoded) for d in closure]
        with self._db.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO directories (digest, data) VALUES (?, ?)", rows)

    def put(self, directory: Directory) -> B3Digest:
        self._write([directory])
        return directory.digest

    def put_closure(self) -> DirectoryPutter:
        return ClosurePutter(self._write)

    def close(self) -> None:
        self._db.close()
