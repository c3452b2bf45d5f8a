"""Every PathInfo backend passes the conformance tests; gRPC between our client and server;
the composition builds them from URLs and descriptions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.composition import Composition
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.errors import CompositionError
from tvix_castore.grpc_channel import channel_from_url
from tvix_castore.server import RunningServer, add_castore_services, make_server, start
from tvix_store.errors import PathInfoServiceError
from tvix_store.nar import NarCalculator
from tvix_store.pathinfoservice.combinators import CachePathInfoService, LruPathInfoService
from tvix_store.pathinfoservice.grpc import GrpcPathInfoService, add_store_services
from tvix_store.pathinfoservice.memory import MemoryPathInfoService
from tvix_store.pathinfoservice.registration import (
    path_info_service,
    path_info_service_from_url,
)
from tvix_store.pathinfoservice.service import PathInfoService
from tvix_store.pathinfoservice.sqlite import SqlitePathInfoService
from tvix_store.protos import rpc_pathinfo_pb2, rpc_pathinfo_pb2_grpc
from tvix_store.testing import PathInfoServiceTests, sample_path_info


class TestMemory(PathInfoServiceTests):
    def make_service(self) -> PathInfoService:
        return MemoryPathInfoService()


class TestSqlite(PathInfoServiceTests):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def make_service(self) -> PathInfoService:
        return SqlitePathInfoService(self.folder / "pathinfo.sqlite")


class TestSqliteInMemory(PathInfoServiceTests):
    def make_service(self) -> PathInfoService:
        return path_info_service_from_url("sqlite://")


class TestCache(PathInfoServiceTests):
    def make_service(self) -> PathInfoService:
        return CachePathInfoService(LruPathInfoService(5), MemoryPathInfoService())


class TestLru(PathInfoServiceTests):
    LISTS = False  # it forgets: a list holds only the last ones

    def make_service(self) -> PathInfoService:
        return LruPathInfoService(1000)


@pytest.fixture
def store_server(tmp_path: Path) -> Iterator[tuple[RunningServer, MemoryPathInfoService]]:
    """castore and store on one gRPC server, on a Unix socket, as `tvix-store daemon` runs."""
    blobs, directories, infos = (
        MemoryBlobService(),
        MemoryDirectoryService(),
        MemoryPathInfoService(),
    )
    server = make_server()
    add_castore_services(server, blobs, directories)
    add_store_services(server, infos, NarCalculator(blobs, directories))
    running = start(server, f"unix:{tmp_path / 'store.sock'}")
    yield running, infos
    running.stop(0)


class TestGrpc(PathInfoServiceTests):
    @pytest.fixture(autouse=True)
    def _server(self, store_server: tuple[RunningServer, MemoryPathInfoService]) -> None:
        self.url = store_server[0].url

    def make_service(self) -> PathInfoService:
        return path_info_service_from_url(self.url)


def test_grpc_server_refuses_an_invalid_path_info(
    store_server: tuple[RunningServer, MemoryPathInfoService],
) -> None:
    msg = sample_path_info().to_proto()
    msg.narinfo.nar_sha256 = b"short"
    stub = rpc_pathinfo_pb2_grpc.PathInfoServiceStub(channel_from_url(store_server[0].url))
    with pytest.raises(grpc.RpcError) as info:
        stub.Put(msg)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert "narinfo.nar_sha256" in info.value.details()  # type: ignore[attr-defined]
    with pytest.raises(grpc.RpcError) as info:
        stub.Get(rpc_pathinfo_pb2.GetPathInfoRequest(by_output_hash=b"x"))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert list(store_server[1].list()) == []


def test_grpc_client_refuses_a_path_info_for_another_path(
    store_server: tuple[RunningServer, MemoryPathInfoService],
) -> None:
    running, infos = store_server
    info = sample_path_info()
    infos._infos[bytes(20)] = info  # a lying server: another path under this digest
    client = GrpcPathInfoService(channel_from_url(running.url))
    with pytest.raises(PathInfoServiceError, match="the server sent"):
        client.get(bytes(20))


def test_grpc_client_without_a_server_is_a_service_error(tmp_path: Path) -> None:
    client = path_info_service_from_url(f"grpc+unix://{tmp_path}/none.sock")
    with pytest.raises(PathInfoServiceError, match="UNAVAILABLE"):
        client.get(bytes(20))


def test_a_composition_of_path_info_services(tmp_path: Path) -> None:
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
        type = "url"
        url = "sqlite://{tmp_path}/p.sqlite"
        """,
        "toml",
    )
    service = path_info_service(composition)
    assert isinstance(service, CachePathInfoService)
    assert isinstance(service.far, SqlitePathInfoService)
    info = sample_path_info()
    service.put(info)
    assert SqlitePathInfoService(tmp_path / "p.sqlite").get(info.store_path.digest) == info


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ({"pathinfoservices": {"root": {"type": "lru", "capacity": 0}}}, "at least 1"),
        ({"pathinfoservices": {"root": {"type": "lru", "capacity": "9"}}}, "whole number"),
        ({"pathinfoservices": {"root": {"type": "sqlite"}}}, "missing option 'path'"),
        ({"pathinfoservices": {"root": {"type": "warp"}}}, "unknown path info service type"),
        (
            {"pathinfoservices": {"root": {"type": "cache", "near": "root", "far": "x"}}},
            "cycle",
        ),
    ],
)
def test_bad_descriptions(description: dict[str, object], message: str) -> None:
    with pytest.raises(CompositionError, match=message):
        path_info_service(Composition(description))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://x", "unknown path info service scheme 'redis'"),
        ("sqlite://host/x", "no options"),
        ("memory://x", "takes no path"),
        ("", "empty string"),
        ("grpc+http://h:99999", "port"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(CompositionError, match=message):
        path_info_service_from_url(url)


def test_a_stored_path_info_the_message_cannot_hold_is_an_error_status(
    store_server: tuple[RunningServer, MemoryPathInfoService],
) -> None:
    """A PathInfo with a git content address (which the message has no place for), stored
    by some other way: Get and List answer with an error status, not an UNKNOWN one."""
    from nix_compat.content_address import ContentAddress

    running, infos = store_server
    info = sample_path_info(ca=ContentAddress.parse("fixed:git:sha1:" + "0" * 40))
    infos.put(info)
    client = GrpcPathInfoService(channel_from_url(running.url))
    with pytest.raises(PathInfoServiceError, match=r"INTERNAL: .*no place"):
        client.get(info.store_path.digest)
    with pytest.raises(PathInfoServiceError, match=r"INTERNAL: .*no place"):
        list(client.list())


def test_a_corrupt_gzip_nar_is_a_binary_cache_error() -> None:
    import io

    from tvix_store.binary_cache.compression import decompressing_reader
    from tvix_store.errors import BinaryCacheError

    reader = decompressing_reader(io.BytesIO(b"\x1f\x8b\x08\x00garbage" * 10), "gzip", "x.gz")
    with pytest.raises(BinaryCacheError, match="cannot decompress"):
        reader.read()
