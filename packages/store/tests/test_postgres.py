"""The PostgreSQL PathInfo service against a real PostgreSQL server, started for the session.

The server is a throwaway one (:mod:`tvix_store.throwaway_postgres`: Debian's, on loopback,
durability off). Each test gets a database of its own, so no test sees another's rows.
Without an ``initdb`` the tests skip, saying so.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from tvix_castore.composition import Composition
from tvix_store.errors import PathInfoError, PathInfoServiceError
from tvix_store.pathinfoservice import postgres
from tvix_store.pathinfoservice.combinators import CachePathInfoService
from tvix_store.pathinfoservice.postgres import PostgresPathInfoService
from tvix_store.pathinfoservice.registration import path_info_service, path_info_service_from_url
from tvix_store.pathinfoservice.service import PathInfoService
from tvix_store.testing import PathInfoServiceTests, sample_key, sample_path_info
from tvix_store.throwaway_postgres import PostgresUnavailable, throwaway_postgres

SUPERUSER = "tvix"
LOCKED_ROLE, LOCKED_PASSWORD = "locked", "right-horse-battery"  # the one role that needs one
SECRET = "sekrit-pw-4711"  # a password no message may show


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running PostgreSQL, and a superuser's connection to it for the tests' own SQL."""

    port: int
    admin: psycopg.Connection[Any]
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        login = user if password is None else f"{user}:{password}"
        return f"postgresql://{login}@127.0.0.1:{self.port}/{database}"

    def new_database(self, owner: str = SUPERUSER) -> str:
        """A fresh, empty database; its name."""
        name = f"test_{next(self._names)}"
        self.admin.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return name

    def sql(self, database: str, query: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Run ``query`` in ``database`` as the superuser; its rows, if it returns any."""
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    with contextlib.ExitStack() as stack:
        try:
            # Trust on loopback, except one role that logs in with a password (SCRAM).
            port = stack.enter_context(
                throwaway_postgres(
                    SUPERUSER,
                    hba="local all all trust\n"
                    f"host all {LOCKED_ROLE} 127.0.0.1/32 scram-sha-256\n"
                    "host all all 127.0.0.1/32 trust\n",
                )
            )
        except PostgresUnavailable as missing:
            pytest.skip(str(missing))
        with psycopg.connect(
            f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres", autocommit=True
        ) as admin:
            admin.execute(f"CREATE ROLE {LOCKED_ROLE} LOGIN PASSWORD '{LOCKED_PASSWORD}'")
            admin.execute("CREATE ROLE writer LOGIN")
            yield Server(port, admin)


@pytest.fixture
def database(pg_server: Server) -> str:
    """A fresh database's URL, for the superuser."""
    return pg_server.url(pg_server.new_database())


class TestPostgres(PathInfoServiceTests):
    @pytest.fixture(autouse=True)
    def _database(self, database: str) -> None:
        self.url = database

    def make_service(self) -> PathInfoService:
        return PostgresPathInfoService(self.url)


def test_a_postgresql_url_builds_it(database: str) -> None:
    info = sample_path_info()
    for url in (database, database.replace("postgresql://", "postgres://", 1)):
        service = path_info_service_from_url(url)
        assert isinstance(service, PostgresPathInfoService)
        service.put(info)
        assert service.get(info.store_path.digest) == info
        service.close()


def test_a_composition_builds_it(database: str) -> None:
    composition = Composition.from_text(
        f"""
        [pathinfoservices.root]
        type = "cache"
        near = "near"
        far = "far"

        [pathinfoservices.near]
        type = "lru"
        capacity = 100

        [pathinfoservices.far]
        type = "postgres"
        url = "{database}"

        [pathinfoservices.by_url]
        type = "url"
        url = "{database}"
        """,
        "toml",
    )
    service = path_info_service(composition)
    assert isinstance(service, CachePathInfoService)
    assert isinstance(service.far, PostgresPathInfoService)
    info = sample_path_info()
    service.put(info)
    other = path_info_service(composition, "by_url")
    assert isinstance(other, PostgresPathInfoService)
    assert other.get(info.store_path.digest) == info


def _assert_no_secret(error: PathInfoServiceError, secret: str = SECRET) -> None:
    assert secret not in str(error)
    assert secret not in str(error.__cause__)
    assert isinstance(error.__cause__, psycopg.Error)


def test_a_refused_connection_is_a_service_error() -> None:
    port = _free_port()  # nothing listens there
    with pytest.raises(PathInfoServiceError) as caught:
        PostgresPathInfoService(f"postgresql://tvix:{SECRET}@127.0.0.1:{port}/pathinfo")
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "refused" in str(caught.value)
    assert caught.value.service == f"postgresql://tvix@127.0.0.1:{port}/pathinfo"
    _assert_no_secret(caught.value)


def test_a_failed_login_is_a_service_error(pg_server: Server) -> None:
    with pytest.raises(PathInfoServiceError, match="password authentication failed") as caught:
        PostgresPathInfoService(pg_server.url("postgres", LOCKED_ROLE, SECRET))
    assert f"127.0.0.1:{pg_server.port}" in str(caught.value)
    _assert_no_secret(caught.value)
    # The right password logs in, and its role, owning the database, makes the table.
    url = pg_server.url(pg_server.new_database(LOCKED_ROLE), LOCKED_ROLE, LOCKED_PASSWORD)
    service = PostgresPathInfoService(url)
    service.put(sample_path_info())
    assert len(list(service.list())) == 1
    service.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"postgresql://tvix:{SECRET}@[::1/db", "not a PostgreSQL URL"),
        (f"postgresql://tvix:{SECRET}@127.0.0.1/db?warp=9", "invalid URI query parameter"),
        (f"host=127.0.0.1 password={SECRET} nonsense", "not a PostgreSQL URL"),
        (f"postgresql://tvix:{SECRET}@127.0.0.1:99999/db", "invalid port number"),
    ],
)
def test_a_bad_url_is_a_service_error(url: str, message: str) -> None:
    with pytest.raises(PathInfoServiceError, match=message) as caught:
        PostgresPathInfoService(url)
    _assert_no_secret(caught.value)


def test_a_corrupt_row_is_a_service_error(pg_server: Server, database: str) -> None:
    service = PostgresPathInfoService(database)
    name = database.rsplit("/", 1)[1]
    pg_server.sql(
        name,
        "INSERT INTO pathinfo VALUES (%s, 'x', %s, %s)",
        (bytes(20), bytes(32), b"\xff not a message"),
    )
    with pytest.raises(PathInfoServiceError, match="corrupt row 0000") as caught:
        service.get(bytes(20))
    assert isinstance(caught.value.__cause__, PathInfoError)
    with pytest.raises(PathInfoServiceError, match="corrupt row"):
        list(service.list())
    # A valid message, but of another path than its row's key.
    info = sample_path_info()
    pg_server.sql(name, "UPDATE pathinfo SET message = %s", (info.to_bytes(),))
    with pytest.raises(PathInfoServiceError, match=f"holds {info.store_path}"):
        service.get(bytes(20))
    service.close()


def test_two_services_see_each_others_writes(database: str) -> None:
    first, second = PostgresPathInfoService(database), PostgresPathInfoService(database)
    info = sample_path_info()
    first.put(info)
    assert second.get(info.store_path.digest) == info
    resigned = info.with_signature(sample_key("test-key-2"))
    second.put(resigned)
    assert first.get(info.store_path.digest) == resigned
    assert list(first.list()) == list(second.list()) == [resigned]
    first.close()
    second.close()


def test_services_starting_at_once_create_the_schema_once(pg_server: Server) -> None:
    url = pg_server.url(pg_server.new_database())
    starters = 6
    barrier = threading.Barrier(starters)
    services: list[PostgresPathInfoService] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            services.append(PostgresPathInfoService(url))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    info = sample_path_info()
    services[0].put(info)
    assert all(service.get(info.store_path.digest) == info for service in services)
    for service in services:
        service.close()


def test_a_role_without_create_uses_a_table_made_for_it(pg_server: Server) -> None:
    """An operator may make the table and grant a service's role no more than it needs."""
    name = pg_server.new_database()
    PostgresPathInfoService(pg_server.url(name)).close()
    pg_server.sql(name, "GRANT SELECT, INSERT, UPDATE ON pathinfo TO writer")
    service = PostgresPathInfoService(pg_server.url(name, "writer"))
    info = sample_path_info()
    service.put(info)
    service.put(info)  # the upsert's UPDATE
    assert service.get(info.store_path.digest) == info
    service.close()


def test_a_url_can_choose_the_schema(pg_server: Server) -> None:
    name = pg_server.new_database()
    pg_server.sql(name, "CREATE SCHEMA tvix")
    service = PostgresPathInfoService(pg_server.url(name) + "?options=-csearch_path%3Dtvix")
    service.put(sample_path_info())
    assert pg_server.sql(name, "SELECT count(*) FROM tvix.pathinfo") == [(1,)]
    assert pg_server.sql(name, "SELECT to_regclass('public.pathinfo')") == [(None,)]
    service.close()


def test_list_reads_in_batches(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "_BATCH", 3)
    infos = [sample_path_info(f"b{i}", i) for i in range(10)]
    service = PostgresPathInfoService(database)
    for info in infos:
        service.put(info)
    listing = service.list()
    first = next(listing)
    service.put(sample_path_info("late", 99))  # writes go on while a listing is open
    rest = list(listing)
    digests = [info.store_path.digest for info in [first, *rest]]
    assert digests == sorted(digests) and len(set(digests)) == len(digests)
    assert {i.store_path.digest for i in infos} <= set(digests)
    service.close()


def test_connections_the_server_closed_are_replaced(pg_server: Server, database: str) -> None:
    service = PostgresPathInfoService(database)
    info = sample_path_info()
    service.put(info)
    name = database.rsplit("/", 1)[1]
    ended = pg_server.sql(
        name,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND application_name = 'tvix-store'",
        (name,),
    )
    assert ended and all(row[0] for row in ended)
    assert service.get(info.store_path.digest) == info
    service.close()


def test_a_closed_service_says_so(database: str) -> None:
    service = PostgresPathInfoService(database)
    service.close()
    service.close()
    with pytest.raises(PathInfoServiceError, match="closed"):
        service.get(bytes(20))
