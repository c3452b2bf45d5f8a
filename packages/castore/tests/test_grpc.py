"""The gRPC client and server: real servers on a Unix socket and TCP loopback.

The conformance tests run through the wire against both transports and against a chunking
backend behind the server; then bad input is sent with the raw generated stubs (what another
implementation or a broken client could send) and the store must be left as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from tvix_castore.blobs.chunked import ChunkingParams
from tvix_castore.blobs.grpc import GrpcBlobService
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.blobs.objectstore import ObjectStoreBlobService
from tvix_castore.blobs.service import BlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.grpc import GrpcDirectoryService
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.directories.sqlite import SqliteDirectoryService
from tvix_castore.errors import BlobCorruptError, BlobServiceError, DirectoryServiceError
from tvix_castore.grpc_channel import channel_from_url
from tvix_castore.nodes import Directory, DirectoryNode, FileNode, SymlinkNode
from tvix_castore.protos import (
    castore_pb2,
    rpc_blobstore_pb2,
    rpc_blobstore_pb2_grpc,
    rpc_directory_pb2,
    rpc_directory_pb2_grpc,
)
from tvix_castore.server import RunningServer, serve
from tvix_castore.testing import BlobServiceTests, DirectoryServiceTests, sample_closure


class Served:
    """Starts a server per test over fresh backends; subclasses choose transport/backends."""

    tmp: Path
    running: RunningServer
    LISTEN = "unix"

    def backends(self) -> tuple[BlobService, DirectoryService]:
        return MemoryBlobService(), MemoryDirectoryService()

    @pytest.fixture(autouse=True)
    def _server(self, tmp_path: Path) -> Iterator[None]:
        self.tmp = tmp_path
        listen = f"unix:{tmp_path / 's.sock'}" if self.LISTEN == "unix" else "127.0.0.1:0"
        self.running = serve(*self.backends(), listen)
        yield
        self.running.stop(0)


class TestGrpcBlobsUnix(Served, BlobServiceTests):
    def make_service(self) -> BlobService:
        return GrpcBlobService(channel_from_url(self.running.url))


class TestGrpcBlobsTcpChunked(Served, BlobServiceTests):
    LISTEN = "tcp"

    def backends(self) -> tuple[BlobService, DirectoryService]:
        return (
            ObjectStoreBlobService.local(self.tmp / "b", chunking=ChunkingParams(64 * 1024)),
            MemoryDirectoryService(),
        )

    def make_service(self) -> BlobService:
        assert self.running.url.startswith("grpc+http://127.0.0.1:")
        return GrpcBlobService(channel_from_url(self.running.url))


class TestGrpcDirectoriesUnix(Served, DirectoryServiceTests):
    def make_service(self) -> DirectoryService:
        return GrpcDirectoryService(channel_from_url(self.running.url))


class TestGrpcDirectoriesTcpSqlite(Served, DirectoryServiceTests):
    LISTEN = "tcp"

    def backends(self) -> tuple[BlobService, DirectoryService]:
        return MemoryBlobService(), SqliteDirectoryService(self.tmp / "d.sqlite")

    def make_service(self) -> DirectoryService:
        return GrpcDirectoryService(channel_from_url(self.running.url))


# Bad input over the wire -------------------------------------------------------------------

Server = tuple[RunningServer, MemoryBlobService, MemoryDirectoryService]


def _stubs(
    server: Server,
) -> tuple[rpc_blobstore_pb2_grpc.BlobServiceStub, rpc_directory_pb2_grpc.DirectoryServiceStub]:
    channel = channel_from_url(server[0].url)
    return (
        rpc_blobstore_pb2_grpc.BlobServiceStub(channel),
        rpc_directory_pb2_grpc.DirectoryServiceStub(channel),
    )


def _code(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as info:
        call() if callable(call) else None
    err = info.value
    assert isinstance(err, grpc.Call)
    return err.code()


def test_wrong_digest_length_is_invalid_argument(memory_server: Server) -> None:
    blobs, dirs = _stubs(memory_server)
    short = b"\x01" * 31
    assert _code(lambda: blobs.Stat(rpc_blobstore_pb2.StatBlobRequest(digest=short))) == (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    assert (
        _code(lambda: list(blobs.Read(rpc_blobstore_pb2.ReadBlobRequest(digest=short))))
        == grpc.StatusCode.INVALID_ARGUMENT
    )
    assert (
        _code(lambda: list(dirs.Get(rpc_directory_pb2.GetDirectoryRequest(digest=short))))
        == grpc.StatusCode.INVALID_ARGUMENT
    )
    assert (
        _code(lambda: list(dirs.Get(rpc_directory_pb2.GetDirectoryRequest())))
        == grpc.StatusCode.INVALID_ARGUMENT
    )


def test_missing_things_are_not_found(memory_server: Server) -> None:
    blobs, dirs = _stubs(memory_server)
    digest = bytes(32)
    assert _code(lambda: blobs.Stat(rpc_blobstore_pb2.StatBlobRequest(digest=digest))) == (
        grpc.StatusCode.NOT_FOUND
    )
    for recursive in (False, True):
        request = rpc_directory_pb2.GetDirectoryRequest(digest=digest, recursive=recursive)
        assert _code(lambda r=request: list(dirs.Get(r))) == grpc.StatusCode.NOT_FOUND


def _put_dirs(server: Server, messages: list[castore_pb2.Directory]) -> grpc.StatusCode:
    _, dirs = _stubs(server)
    return _code(lambda: dirs.Put(iter(messages)))


def test_bad_directories_are_refused_and_nothing_stored(memory_server: Server) -> None:
    leaf, mid, root = sample_closure()
    zero = bytes(32)
    unsorted = castore_pb2.Directory(
        files=[
            castore_pb2.FileNode(name=b"b", digest=zero),
            castore_pb2.FileNode(name=b"a", digest=zero),
        ]
    )
    duplicate = castore_pb2.Directory(
        files=[castore_pb2.FileNode(name=b"a", digest=zero)],
        symlinks=[castore_pb2.SymlinkNode(name=b"a", target=b"x")],
    )
    short = castore_pb2.Directory(files=[castore_pb2.FileNode(name=b"a", digest=b"\0" * 5)])
    slash = castore_pb2.Directory(symlinks=[castore_pb2.SymlinkNode(name=b"a/b", target=b"x")])
    cases = [
        [leaf.to_proto(), unsorted],
        [duplicate],
        [short],
        [slash],
        [mid.to_proto(), root.to_proto()],  # mid points at leaf, never sent
        [leaf.to_proto(), Directory({b"x": DirectoryNode(leaf.digest, 99)}).to_proto()],
        [root.to_proto(), mid.to_proto(), leaf.to_proto()],  # root first: wrong order
        [],
    ]
    for messages in cases:
        assert _put_dirs(memory_server, messages) == grpc.StatusCode.INVALID_ARGUMENT
    assert memory_server[2]._dirs == {}


def test_client_disconnecting_mid_upload_stores_nothing(memory_server: Server) -> None:
    blobs, dirs = _stubs(memory_server)

    def pieces() -> Iterator[rpc_blobstore_pb2.BlobChunk]:
        yield rpc_blobstore_pb2.BlobChunk(data=b"x" * 100_000)
        yield rpc_blobstore_pb2.BlobChunk(data=b"y" * 100_000)
        raise ConnectionError("client crashed")

    def closure() -> Iterator[castore_pb2.Directory]:
        leaf, _, _ = sample_closure()
        yield leaf.to_proto()
        raise ConnectionError("client crashed")

    with pytest.raises(grpc.RpcError):
        blobs.Put(pieces())
    with pytest.raises(grpc.RpcError):
        dirs.Put(closure())
    time.sleep(0.3)  # let the server handlers notice the cancellation
    assert memory_server[1]._blobs == {}
    assert memory_server[2]._dirs == {}


def test_client_refuses_bytes_that_do_not_match(memory_server: Server) -> None:
    running, blobs, _ = memory_server
    digest = B3Digest.of(b"the real content")
    blobs._blobs[digest] = b"something else entirely"  # a lying or corrupt server
    client = GrpcBlobService(channel_from_url(running.url))
    with client.open_read(digest) as reader, pytest.raises(BlobCorruptError):
        reader.read()


def test_client_refuses_a_closure_with_holes_or_strangers(memory_server: Server) -> None:
    running, _, dirs = memory_server
    _, mid, root = sample_closure()
    dirs._dirs[root.digest] = root  # its children are missing on the server
    client = GrpcDirectoryService(channel_from_url(running.url))
    with pytest.raises(DirectoryServiceError):
        list(client.get_recursive(root.digest))
    stranger = Directory({b"s": SymlinkNode(b"t")})
    dirs._dirs[mid.digest] = stranger  # served under the wrong digest
    with pytest.raises(DirectoryServiceError):
        client.get(mid.digest)


def test_put_answer_names_what_was_stored(memory_server: Server) -> None:
    blobs, dirs = _stubs(memory_server)
    answer = blobs.Put(iter([rpc_blobstore_pb2.BlobChunk(data=b"abc")]))
    assert answer.digest == B3Digest.of(b"abc")
    leaf, mid, root = sample_closure()
    answer2 = dirs.Put(iter([leaf.to_proto(), mid.to_proto(), root.to_proto()]))
    assert answer2.root_digest == root.digest
    stat = blobs.Stat(rpc_blobstore_pb2.StatBlobRequest(digest=B3Digest.of(b"abc")))
    assert list(stat.chunks) == []
    assert FileNode(B3Digest.of(b"abc"), 3).size == 3


def test_bad_listen_address_is_a_clear_error() -> None:
    from tvix_castore.errors import CompositionError

    with pytest.raises(CompositionError):
        serve(MemoryBlobService(), MemoryDirectoryService(), "256.1.1.1:99999")
    with pytest.raises(BlobServiceError):
        GrpcBlobService(channel_from_url("grpc+unix:///nonexistent/sock")).has(bytes(32))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("listen", "bind"),
    [
        ("127.0.0.1:0", "127.0.0.1:0"),
        ("grpc+http://[::1]:8000", "[::1]:8000"),
        ("unix:/run/x.sock", "unix:/run/x.sock"),
        ("unix:///run/x.sock", "unix:/run/x.sock"),
        ("grpc+unix:///run/x.sock", "unix:/run/x.sock"),
    ],
)
def test_listen_addresses(listen: str, bind: str) -> None:
    from tvix_castore.server import parse_listen

    assert parse_listen(listen)[0] == bind


def test_castore_and_other_services_share_one_server(tmp_path: Path) -> None:
    """The daemon of tvix-store adds its services beside castore's on one server."""
    from tvix_castore.server import add_castore_services, make_server, start

    server = make_server()
    add_castore_services(server, MemoryBlobService(), MemoryDirectoryService())
    running = start(server, f"unix:{tmp_path / 's.sock'}")
    try:
        client = GrpcBlobService(channel_from_url(running.url))
        with client.open_write() as writer:
            writer.write(b"shared")
        assert client.has(writer.close())
    finally:
        running.stop(0)
