"""Directories in a sqlite file: the embedded default.

WAL mode lets readers go on while one writer commits; each thread has its own connection,
and a closure is written in one transaction, so it appears whole or not at all, even across
processes sharing the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import (
    ClosurePutter,
    DirectoryPutter,
    check_fetched,
    traverse,
)
from tvix_castore.errors import DirectoryServiceError, NodeError
from tvix_castore.nodes import Directory

__all__ = ["SqliteDirectoryService"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS directories (digest BLOB PRIMARY KEY, data BLOB NOT NULL)"


class SqliteDirectoryService:
    """Directories as (digest, canonical encoding) rows; ``path`` may be ``:memory:``."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = str(path)
        self._shared: sqlite3.Connection | None = None
        if self.path == ":memory:":
            # One in-memory database is one connection: share it, serialised by a lock.
            self._shared = sqlite3.connect(":memory:", check_same_thread=False)
        elif not Path(self.path).parent.is_dir():
            # Creating folders is the operator's job (the commands make the default store's):
            # a mistyped path must not leave a new database somewhere unexpected.
            raise DirectoryServiceError(
                f"sqlite {self.path}: the folder {Path(self.path).parent} does not exist"
            )
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        with self._lock:
            self._init(self._connection())

    def _init(self, conn: sqlite3.Connection) -> None:
        try:
            if self._shared is None:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            conn.commit()
        except sqlite3.Error as exc:
            raise DirectoryServiceError(f"sqlite {self.path}: {exc}") from None

    def _connection(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout=30000")
                conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as exc:
                raise DirectoryServiceError(f"sqlite {self.path}: {exc}") from None
            self._local.conn = conn
            self._connections.append(conn)
        return conn

    def get(self, digest: B3Digest) -> Directory | None:
        try:
            with self._lock if self._shared is not None else _nolock:
                row = (
                    self._connection()
                    .execute("SELECT data FROM directories WHERE digest = ?", (bytes(digest),))
                    .fetchone()
                )
        except sqlite3.Error as exc:
            raise DirectoryServiceError(f"sqlite {self.path}: {exc}") from None
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
        try:
            with self._lock if self._shared is not None else _nolock:
                conn = self._connection()
                with conn:  # one transaction: committed whole, or rolled back
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany(
                        "INSERT OR IGNORE INTO directories (digest, data) VALUES (?, ?)", rows
                    )
        except sqlite3.Error as exc:
            raise DirectoryServiceError(f"sqlite {self.path}: {exc}") from None

    def put(self, directory: Directory) -> B3Digest:
        self._write([directory])
        return directory.digest

    def put_closure(self) -> DirectoryPutter:
        return ClosurePutter(self._write)

    def close(self) -> None:
        for conn in self._connections:
            conn.close()
        self._connections.clear()
        if self._shared is not None:
            self._shared.close()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_nolock = _NoLock()
