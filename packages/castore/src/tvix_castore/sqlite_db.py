"""A sqlite file shared by threads and processes: the embedded default's metadata stores.

WAL mode lets readers go on while one writer commits; each thread has its own connection (a
connection is not safe to share), and writes are transactions begun IMMEDIATE, so a writer
waits for the lock up front instead of failing half way. ``:memory:`` is one connection, so
it is shared under a lock. Every sqlite failure becomes the owner's error type, naming the file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = ["SqliteDatabase"]


class SqliteDatabase:
    """Connections to one sqlite file, with ``schema`` (idempotent statements) applied."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        schema: Sequence[str],
        error: Callable[[str], Exception],
    ):
        self.path = str(path)
        self._error = error
        self._shared: sqlite3.Connection | None = None
        if self.path == ":memory:":
            self._shared = sqlite3.connect(
                ":memory:", check_same_thread=False, isolation_level=None
            )
        elif not Path(self.path).parent.is_dir():
            # Creating folders is the operator's job (the commands make the default store's):
            # a mistyped path must not leave a new database somewhere unexpected.
            raise error(f"sqlite {self.path}: the folder {Path(self.path).parent} does not exist")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        if self._shared is None:
            with self.connection() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
        with self.transaction() as conn:
            for statement in schema:
                conn.execute(statement)

    def _connection(self) -> sqlite3.Connection:
        if self._shared is not None:
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30, check_same_thread=False, isolation_level=None
            )
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, for reads (autocommit)."""
        try:
            if self._shared is not None:
                with self._lock:
                    yield self._shared
            else:
                yield self._connection()
        except sqlite3.Error as exc:
            raise self._error(f"sqlite {self.path}: {exc}") from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            if self._shared is not None:
                self._shared.close()
