"""PathInfos in PostgreSQL: the metadata store to share when one machine is not enough.

Many tvix-store processes, on many machines, read and write one database; the blobs and
directories live elsewhere (an object store, a gRPC castore). The schema is our own (Tvix has
no PostgreSQL backend) and is the sqlite backend's: one row a store path, keyed by its 20-byte
digest, holding the encoded ``tvix.store.v1.PathInfo`` message, with the name and NAR hash in
columns of their own so that an operator can query the table with ``psql``.

The table is created on first use, unless it exists already (so a role given only
``SELECT``/``INSERT``/``UPDATE`` on a table a DBA made works too). It lives in the first schema
of the ``search_path``, which a URL can choose: ``?options=-csearch_path%3Dtvix``.

Connections come from a small pool: a psycopg connection serves one thread at a time, and
opening one for every call would cost a round trip (and a TLS handshake) each time. No
connection is held while a caller consumes :meth:`~PostgresPathInfoService.list`, so an
abandoned listing holds nothing on the server and cannot starve other callers.

Every failure is a :class:`PathInfoServiceError` naming the server as
``postgresql://user@host:port/database`` (never the password), with psycopg's error as its
cause: no psycopg exception reaches a caller.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

from tvix_store.errors import PathInfoError, PathInfoServiceError
from tvix_store.pathinfo import PathInfo

__all__ = ["PostgresPathInfoService"]

T = TypeVar("T")
Connection = psycopg.Connection[TupleRow]

_TABLE_EXISTS: Final = "SELECT to_regclass('pathinfo') IS NOT NULL"
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS pathinfo ("
    " digest bytea PRIMARY KEY,"  # the store path's 20 bytes
    " name text NOT NULL,"  # the store path's name, for people reading the table
    " nar_sha256 bytea NOT NULL,"
    " message bytea NOT NULL"  # the tvix.store.v1.PathInfo encoding
    ")"
)
# CREATE TABLE IF NOT EXISTS is not atomic in PostgreSQL: two sessions that both find the table
# missing both create it, and one fails on the catalog's unique index. Creators take this
# transaction-scoped advisory lock first (an arbitrary key of ours, per database), so the second
# waits for the first and then finds the table there.
_SCHEMA_LOCK: Final = 0x7476_6978_7061_7468  # "tvixpath"
_GET: Final = "SELECT message FROM pathinfo WHERE digest = %s"
_PUT: Final = (
    "INSERT INTO pathinfo (digest, name, nar_sha256, message) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (digest) DO UPDATE SET"
    " name = EXCLUDED.name, nar_sha256 = EXCLUDED.nar_sha256, message = EXCLUDED.message"
)
# Listing walks the primary key in batches (keyset pagination) rather than through one
# server-side cursor: a cursor needs a transaction kept open, and a connection kept, for as
# long as the caller takes to consume the iterator, which may be forever.
_LIST: Final = "SELECT digest, message FROM pathinfo WHERE digest > %s ORDER BY digest LIMIT %s"
_BATCH: Final = 1000
# libpq waits for an unreachable host as long as the kernel does (minutes) unless told.
_CONNECT_TIMEOUT: Final = 10

# Passwords a message may quote: in a URL's user information, or as a ``password`` option.
_URL_PASSWORD: Final = re.compile(r"(://[^:/?#@\s\"']*):[^\s\"']*@")
_OPTION_PASSWORD: Final = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&\"']+)")


def _redact(text: str) -> str:
    """``text`` without any password that a URL or connection string in it carries."""
    text = _URL_PASSWORD.sub(r"\1:***@", text)
    return _OPTION_PASSWORD.sub(r"\1***", text)


def _describe(params: dict[str, Any]) -> str:
    """The server as people name it, ``postgresql://user@host:port/database``: what an error
    message needs to say where it happened, without the password or other options."""
    user = params.get("user")
    hosts = str(params.get("host") or params.get("hostaddr") or "").split(",")
    ports = str(params.get("port") or "5432").split(",")
    if len(ports) == 1:
        ports = ports * len(hosts)
    where = ",".join(
        f"{host}:{port}" if host else "" for host, port in zip(hosts, ports, strict=False)
    )
    return f"postgresql://{f'{user}@' if user else ''}{where}/{params.get('dbname') or ''}"


def _one_line(exc: BaseException) -> str:
    """libpq's message on one line (it indents hints on lines of their own)."""
    return " ".join(str(exc).split())


class PostgresPathInfoService:
    """PathInfos in the PostgreSQL database at ``url`` (``postgresql://`` or ``postgres://``,
    or a libpq connection string); at most ``max_connections`` connections at once."""

    def __init__(self, url: str, *, max_connections: int = 8):
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        self.where = _redact(url)
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise self._error("not a PostgreSQL URL", exc) from self._scrubbed(exc)
        self.where = _describe(params)
        params.setdefault("connect_timeout", _CONNECT_TIMEOUT)
        # So that an operator can tell our sessions apart in pg_stat_activity.
        params.setdefault("application_name", "tvix-store")
        self._conninfo = make_conninfo("", **params)
        self._lock = threading.Lock()
        self._idle: list[Connection] = []
        self._slots = threading.BoundedSemaphore(max_connections)
        self._closed = False
        # Connecting now makes a wrong URL, a refused connection or a failed login an error of
        # the composition that builds us, not of the first lookup.
        self._run("creating the schema", self._create_schema)

    def _error(self, doing: str, exc: BaseException | None = None) -> PathInfoServiceError:
        reason = doing if exc is None else f"{doing}: {_redact(_one_line(exc))}"
        return PathInfoServiceError(self.where, reason)

    def _scrubbed(self, exc: psycopg.Error) -> psycopg.Error:
        """``exc``, or where its message quotes a password (libpq quotes a URL it cannot
        parse), an error of the same type without it: the cause is printed with tracebacks."""
        text = str(exc)
        if _redact(text) == text:
            return exc
        try:
            clean = type(exc)(_redact(text))
        except Exception:  # a type that wants other arguments: the base class will do
            clean = psycopg.Error(_redact(text))
        return clean.with_traceback(exc.__traceback__)

    def _connect(self) -> Connection:
        try:
            # Autocommit: each statement is its own transaction, and a connection given back
            # to the pool is never left inside one.
            return psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise self._error("cannot connect", exc) from self._scrubbed(exc)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[tuple[Connection, bool]]:
        """A connection for this thread's use meanwhile, and whether it is a new one."""
        if self._closed:
            raise self._error("the service is closed")
        with self._slots:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            fresh = conn is None
            if conn is None:
                conn = self._connect()
            try:
                yield conn, fresh
            finally:
                self._give_back(conn)

    def _give_back(self, conn: Connection) -> None:
        reusable = (
            not conn.closed
            and not conn.broken
            and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        )
        with self._lock:
            if reusable and not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def _run(self, doing: str, operation: Callable[[Connection], T]) -> T:
        """``operation`` on a pooled connection, psycopg's errors made ours. A connection
        that the server closed while it waited in the pool (a restart, an idle timeout, a
        failover) is dropped and the operation tried again, on a new connection at the latest:
        every operation here may safely be done twice."""
        while True:
            with self._connection() as (conn, fresh):
                try:
                    return operation(conn)
                except psycopg.OperationalError as exc:
                    if fresh or not conn.broken:
                        raise self._error(doing, exc) from self._scrubbed(exc)
                except psycopg.Error as exc:
                    raise self._error(doing, exc) from self._scrubbed(exc)

    @staticmethod
    def _create_schema(conn: Connection) -> None:
        row = conn.execute(_TABLE_EXISTS).fetchone()
        if row is not None and row[0]:
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            conn.execute(_SCHEMA)

    def get(self, digest: bytes) -> PathInfo | None:
        digest = bytes(digest)

        def get(conn: Connection) -> bytes | None:
            row = conn.execute(_GET, (digest,), binary=True).fetchone()
            return None if row is None else bytes(row[0])

        message = self._run(f"looking up {digest.hex()}", get)
        return None if message is None else self._decode(digest, message)

    def put(self, info: PathInfo) -> PathInfo:
        row = (info.store_path.digest, info.store_path.name, info.nar_sha256, info.to_bytes())
        self._run(f"storing {info.store_path}", lambda conn: conn.execute(_PUT, row))
        return info

    def list(self) -> Iterator[PathInfo]:
        after = b""
        while True:

            def batch(conn: Connection, after: bytes = after) -> list[tuple[bytes, bytes]]:
                cursor = conn.execute(_LIST, (after, _BATCH), binary=True)
                return [(bytes(digest), bytes(message)) for digest, message in cursor]

            rows = self._run("listing", batch)
            for digest, message in rows:
                yield self._decode(digest, message)
            if len(rows) < _BATCH:
                return
            after = rows[-1][0]

    def _decode(self, digest: bytes, message: bytes) -> PathInfo:
        """The row's PathInfo, checked as any received message: the database is shared, and
        what another program wrote there is not to be trusted more than a server's answer."""
        try:
            info = PathInfo.from_bytes(message)
        except PathInfoError as exc:
            raise self._error(f"corrupt row {digest.hex()}", exc) from exc
        if info.store_path.digest != digest:
            raise self._error(f"corrupt row {digest.hex()}: it holds {info.store_path}")
        return info

    def close(self) -> None:
        """Close the pool's connections; those in use close when they are given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
