"""PathInfos in a sqlite file: the embedded default, beside castore's directories.

Our own schema (Tvix's embedded store keeps PathInfo in redb): one row a store path, keyed by
its digest, holding the encoded ``PathInfo`` message (root node included), with the name and
NAR hash in columns of their own so that an operator can query the file with ``sqlite3``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Final

from tvix_castore.sqlite_db import SqliteDatabase

from tvix_store.errors import PathInfoError, PathInfoServiceError
from tvix_store.pathinfo import PathInfo

__all__ = ["SqlitePathInfoService"]

_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS pathinfo ("
    " digest BLOB PRIMARY KEY,"  # the store path's 20 bytes
    " name TEXT NOT NULL,"  # the store path's name, for people reading the file
    " nar_sha256 BLOB NOT NULL,"
    " message BLOB NOT NULL"  # the tvix.store.v1.PathInfo encoding
    ")",
)
_BATCH: Final = 1000


class SqlitePathInfoService:
    """PathInfos in the sqlite file at ``path`` (``:memory:`` for one in memory)."""

    def __init__(self, path: str | os.PathLike[str]):
        self._db = SqliteDatabase(path, _SCHEMA, self._error)
        self.path = self._db.path

    def _error(self, reason: str) -> PathInfoServiceError:
        return PathInfoServiceError(f"sqlite {getattr(self, 'path', '')}".strip(), reason)

    def get(self, digest: bytes) -> PathInfo | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT message FROM pathinfo WHERE digest = ?", (bytes(digest),)
            ).fetchone()
        return None if row is None else self._decode(row[0])

    def put(self, info: PathInfo) -> PathInfo:
        row = (info.store_path.digest, info.store_path.name, info.nar_sha256, info.to_bytes())
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO pathinfo (digest, name, nar_sha256, message)"
                " VALUES (?, ?, ?, ?)",
                row,
            )
        return info

    def list(self) -> Iterator[PathInfo]:
        after = b""
        while True:
            with self._db.connection() as conn:
                rows = conn.execute(
                    "SELECT digest, message FROM pathinfo WHERE digest > ? ORDER BY digest LIMIT ?",
                    (after, _BATCH),
                ).fetchall()
            for _digest, message in rows:
                yield self._decode(message)
            if len(rows) < _BATCH:
                return
            after = rows[-1][0]

    def _decode(self, message: bytes) -> PathInfo:
        try:
            return PathInfo.from_bytes(message)
        except PathInfoError as exc:
            raise PathInfoServiceError(f"sqlite {self.path}", f"corrupt row: {exc}") from None

    def close(self) -> None:
        self._db.close()
