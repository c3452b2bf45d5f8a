"""tvix-store's servers fed hostile requests: the PathInfo gRPC service and nar-bridge.

The property is what DESIGN.md promises a client, however broken: every bad request gets a
proper refusal with one line of text (gRPC: INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION...,
never UNKNOWN with a Python exception's text; HTTP: 4xx, 5xx only for a backend fault, and the
stores here are memory ones that have none), never a traceback in an answer or in the server's
log, never a hang; the server answers correctly afterwards; and nothing refused becomes valid.

gRPC requests go out as raw bytes through a channel with identity serializers, so what
protobuf cannot decode reaches the server too; they start from valid PathInfo and node
messages and get fields and bytes changed. nar-bridge runs in this process (an aiohttp
runner on a loop of its own, on loopback) and gets random paths, methods, Range headers and
bodies, uploads of mutated and truncated compressed NARs and narinfos, and NAR URLs naming
made-up nodes. One server of each kind serves the module; each example checks it is still
healthy. Hypothesis runs derandomized and without a database, so CI sees the same examples
every time.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import grpc
import httpx
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nix_compat import nixbase32
from nix_compat.hash import NixHash
from nix_compat.nar import NarWriter
from nix_compat.narinfo import NarInfo
from nix_compat.store_path import StorePath
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.nodes import Directory, DirectoryNode, FileNode, node_to_proto
from tvix_castore.protos import castore_pb2
from tvix_castore.server import RunningServer, add_castore_services, make_server, start
from tvix_store.binary_cache.compression import EXTENSIONS, compressor
from tvix_store.nar import NarCalculator
from tvix_store.nar.renderer import calculate_nar
from tvix_store.nar_bridge.app import NarBridge, make_app
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.grpc import add_store_services
from tvix_store.pathinfoservice.memory import MemoryPathInfoService
from tvix_store.protos import pathinfo_pb2, rpc_pathinfo_pb2
from tvix_store.services import Store
from tvix_store.testing import sample_path_info

FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Seconds a call may take before it counts as a hang.
TIMEOUT: Final = 10.0

#: What a gRPC refusal may be: each names what the client did wrong or what is missing.
CLIENT_ERRORS: Final = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)

SERVICE: Final = "/tvix.store.v1.PathInfoService/"
LEAKS: Final = ("Traceback", "Exception", 'File "')


class _Records(logging.Handler):
    """Keeps what the servers log with a traceback or a stack, or that mentions one."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.stack_info or "Traceback" in record.getMessage():
            self.records.append(record)

    def take(self) -> list[str]:
        out = [self.format(r) for r in self.records]
        self.records.clear()
        return out


@pytest.fixture(scope="module")
def log() -> Iterator[_Records]:
    records = _Records()
    logging.getLogger().addHandler(records)
    yield records
    logging.getLogger().removeHandler(records)


def _nar(build: Callable[[NarWriter], None]) -> bytes:
    pieces: list[bytes] = []
    writer = NarWriter(pieces.append)
    build(writer)
    writer.close()
    return b"".join(pieces)


def _tree(writer: NarWriter) -> None:
    """A small tree with each kind of entry."""
    with writer.directory():
        writer.entry(b"bin")
        with writer.directory():
            writer.entry(b"run")
            writer.regular(b"#!/bin/sh\necho fuzz\n", executable=True)
        writer.entry(b"empty")
        writer.regular(b"")
        writer.entry(b"link")
        writer.symlink(b"bin/run")
        writer.entry(b"text")
        writer.regular(b"some text " * 40)


TREE_NAR: Final = _nar(_tree)

#: A directory that claims a file of 2**63 bytes whose blob is empty.
BOASTING: Final = Directory(
    {
        b"huge": FileNode(B3Digest.of(b""), 2**63),
        b"z": FileNode(B3Digest.of(b"#!/bin/sh\necho fuzz\n"), 20, executable=True),
    }
)


# == the PathInfo gRPC service ===============================================================


@dataclass(repr=False)
class StoreServer:
    """The module's gRPC server, its backends, a raw channel, and a PathInfo it holds."""

    running: RunningServer
    blobs: MemoryBlobService
    directories: MemoryDirectoryService
    infos: MemoryPathInfoService
    channel: grpc.Channel
    log: _Records
    known: PathInfo
    root: DirectoryNode

    def unary(self, method: str) -> Callable[..., bytes]:
        return self.channel.unary_unary(
            SERVICE + method, request_serializer=None, response_deserializer=None
        )

    def listing(self) -> Callable[..., Iterator[bytes]]:
        return self.channel.unary_stream(
            SERVICE + "List", request_serializer=None, response_deserializer=None
        )


def _put_blob(blobs: MemoryBlobService, data: bytes) -> B3Digest:
    with blobs.open_write() as writer:
        writer.write(data)
        return writer.close()


@pytest.fixture(scope="module")
def store_server(tmp_path_factory: pytest.TempPathFactory, log: _Records) -> Iterator[StoreServer]:
    blobs, directories, infos = (
        MemoryBlobService(),
        MemoryDirectoryService(),
        MemoryPathInfoService(),
    )
    content = _put_blob(blobs, b"content")
    empty = _put_blob(blobs, b"")
    leaf = Directory({b".keep": FileNode(empty, 0)})
    root = Directory({b"leaf": leaf.as_node(), b"f": FileNode(content, 7, executable=True)})
    putter = directories.put_closure()
    putter.put(leaf)
    putter.put(root)
    putter.close()
    size, sha256 = calculate_nar(root.as_node(), blobs, directories)
    known = sample_path_info("known-path", node=root.as_node(), nar_size=size, nar_sha256=sha256)
    infos.put(known)
    server = make_server()
    add_castore_services(server, blobs, directories)
    add_store_services(server, infos, NarCalculator(blobs, directories))
    socket = tmp_path_factory.mktemp("fuzz-store") / "store.sock"
    running = start(server, f"unix:{socket}")
    channel = grpc.insecure_channel(f"unix:{socket}")
    try:
        yield StoreServer(running, blobs, directories, infos, channel, log, known, root.as_node())
    finally:
        channel.close()
        running.stop(0)


def _refusal(exc: grpc.RpcError) -> grpc.StatusCode:
    """Check a refusal is a proper one and return its status."""
    assert isinstance(exc, grpc.Call), exc
    code, details = exc.code(), exc.details() or ""
    assert code in CLIENT_ERRORS, f"{code.name}: {details}"
    assert details.strip(), f"{code.name} without a message"
    assert "\n" not in details.strip(), details
    for leak in LEAKS:
        assert leak not in details, details
    return code


def _call(function: Callable[[], Any]) -> tuple[Any, grpc.StatusCode | None]:
    """Run one call: its answer, or the status of a proper refusal."""
    try:
        return function(), None
    except grpc.RpcError as exc:
        return None, _refusal(exc)


def _grpc_still_healthy(served: StoreServer) -> None:
    known = served.known
    request = rpc_pathinfo_pb2.GetPathInfoRequest(by_output_hash=known.store_path.digest)
    answer = served.unary("Get")(request.SerializeToString(), timeout=TIMEOUT)
    assert PathInfo.from_bytes(answer) == known
    answer = served.unary("CalculateNAR")(
        node_to_proto(served.root).SerializeToString(), timeout=TIMEOUT
    )
    nar = rpc_pathinfo_pb2.CalculateNARResponse.FromString(answer)
    assert (nar.nar_size, nar.nar_sha256) == (known.nar_size, known.nar_sha256)
    listed = [PathInfo.from_bytes(raw) for raw in served.listing()(b"", timeout=TIMEOUT)]
    assert known in listed
    assert served.log.take() == []


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few bytes flipped, cut short, grown, or replaced by made-up bytes."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "random", "same"]))
    if kind == "random":
        return draw(st.binary(max_size=200))
    if kind == "same" or not data:
        return data
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    out = bytearray(data)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 4))):
            index = draw(st.integers(0, len(out) - 1))
            out[index] ^= draw(st.integers(1, 255))
        return bytes(out)
    index = draw(st.integers(0, len(out)))
    return bytes(out[:index] + draw(st.binary(min_size=1, max_size=16)) + out[index:])


def _parses(raw: bytes, message: type[Any]) -> Any | None:
    try:
        return message.FromString(raw)
    except Exception:  # protobuf's DecodeError
        return None


SIZES: Final = st.one_of(st.integers(0, 2000), st.sampled_from([2**32, 2**63, 2**64 - 1]))
NAMES: Final = st.one_of(
    st.binary(max_size=60),
    st.sampled_from(
        [
            b"",
            b"00000000000000000000000000000000-x",
            b"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x",
            b"\xff" * 40,
            sample_path_info("other").store_path.base_name.encode(),
        ]
    ),
)
TEXTS: Final = st.one_of(st.text(max_size=50), st.sampled_from(["", "x.drv", "a b", "/nix"]))


@st.composite
def mutated_path_info(draw: st.DrawFn) -> bytes:
    """A valid PathInfo message with one to three fields changed, maybe garbled as bytes."""
    msg = sample_path_info(f"fuzz-{draw(st.integers(0, 3))}").to_proto()
    for _ in range(draw(st.integers(1, 3))):
        field = draw(
            st.sampled_from(
                [
                    "node-kind",
                    "node-name",
                    "node-clear",
                    "references",
                    "reference-names",
                    "nar-sha256",
                    "nar-size",
                    "signatures",
                    "deriver",
                    "ca",
                    "narinfo-clear",
                ]
            )
        )
        narinfo = msg.narinfo
        if field == "node-kind":
            name = msg.node.directory.name
            kind = draw(st.sampled_from(["directory", "file", "symlink"]))
            if kind == "symlink":
                msg.node.symlink.CopyFrom(
                    castore_pb2.SymlinkNode(name=name, target=draw(st.binary(max_size=10)))
                )
            else:
                fields = {"name": name, "digest": draw(st.binary(max_size=40)), "size": draw(SIZES)}
                target = msg.node.directory if kind == "directory" else msg.node.file
                target.CopyFrom(type(target)(**fields))
        elif field == "node-name":
            which = msg.node.WhichOneof("node")
            if which is not None:
                getattr(msg.node, which).name = draw(NAMES)
        elif field == "node-clear":
            msg.ClearField("node")
        elif field == "references":
            if draw(st.booleans()) and msg.references:
                del msg.references[draw(st.integers(0, len(msg.references) - 1))]
            else:
                msg.references.append(draw(st.binary(max_size=25)))
        elif field == "reference-names":
            if draw(st.booleans()) and narinfo.reference_names:
                narinfo.reference_names[0] = draw(TEXTS)
            else:
                narinfo.reference_names.append(draw(TEXTS))
        elif field == "nar-sha256":
            narinfo.nar_sha256 = draw(st.binary(max_size=40))
        elif field == "nar-size":
            narinfo.nar_size = draw(SIZES)
        elif field == "signatures":
            narinfo.signatures.add(name=draw(TEXTS), data=draw(st.binary(max_size=70)))
        elif field == "deriver":
            if draw(st.booleans()):
                narinfo.ClearField("deriver")
            else:
                narinfo.deriver.name = draw(TEXTS)
                narinfo.deriver.digest = draw(st.binary(max_size=25))
        elif field == "ca":
            narinfo.ca.type = draw(st.integers(0, 12))  # type: ignore[assignment]
            narinfo.ca.digest = draw(st.binary(max_size=70))
        else:
            msg.ClearField("narinfo")
    raw = msg.SerializeToString()
    return draw(mutated(raw)) if draw(st.booleans()) else raw


def _digest_named(raw: bytes) -> bytes | None:
    """The store path digest a PathInfo message would be stored under, if any."""
    msg = _parses(raw, pathinfo_pb2.PathInfo)
    which = None if msg is None else msg.node.WhichOneof("node")
    if which is None:
        return None
    try:
        return StorePath.from_base_name(getattr(msg.node, which).name.decode()).digest
    except Exception:  # not a store path: nothing can be stored under it
        return None


@FUZZ
@given(raw=mutated_path_info())
def test_path_info_put_of_mutated_messages(store_server: StoreServer, raw: bytes) -> None:
    digest = _digest_named(raw)
    before = None if digest is None else store_server.infos.get(digest)
    answer, code = _call(lambda: store_server.unary("Put")(raw, timeout=TIMEOUT))
    if code is None:
        info = PathInfo.from_bytes(raw)
        assert PathInfo.from_bytes(answer) == info
        assert store_server.infos.get(info.store_path.digest) == info
    else:
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        if digest is not None:
            assert store_server.infos.get(digest) == before
    _grpc_still_healthy(store_server)


@FUZZ
@given(
    digest=st.one_of(st.binary(max_size=40), st.just(b"KNOWN")),
    omit=st.booleans(),
    garble=st.booleans(),
    data=st.data(),
)
def test_path_info_get_of_any_digest(
    store_server: StoreServer, digest: bytes, omit: bool, garble: bool, data: Any
) -> None:
    if digest == b"KNOWN":
        digest = store_server.known.store_path.digest
    request = rpc_pathinfo_pb2.GetPathInfoRequest()
    if not omit:
        request.by_output_hash = digest
    raw = request.SerializeToString()
    if garble:
        raw = data.draw(mutated(raw))
    answer, code = _call(lambda: store_server.unary("Get")(raw, timeout=TIMEOUT))
    parsed = _parses(raw, rpc_pathinfo_pb2.GetPathInfoRequest)
    if code is None:
        assert parsed is not None
        assert PathInfo.from_bytes(answer).store_path.digest == parsed.by_output_hash
    elif parsed is not None and len(parsed.by_output_hash) == 20:
        assert code == grpc.StatusCode.NOT_FOUND
    _grpc_still_healthy(store_server)


@st.composite
def nodes(draw: st.DrawFn, served: StoreServer) -> bytes:
    """Root node messages: ones castore holds, ones it lacks, ones with the wrong sizes."""
    known_dirs = [served.root.digest, *(n.digest for _, n in _root(served).directories())]
    known_blobs = [B3Digest.of(b"content"), B3Digest.of(b"")]
    kind = draw(st.sampled_from(["directory", "file", "symlink", "none"]))
    msg = castore_pb2.Node()
    name = draw(st.sampled_from([b"", b"x", b"a/b"]))
    if kind == "directory":
        digest = draw(st.one_of(st.sampled_from(known_dirs), st.binary(max_size=33)))
        size = draw(st.one_of(st.just(served.root.size), SIZES))
        msg.directory.CopyFrom(castore_pb2.DirectoryNode(name=name, digest=digest, size=size))
    elif kind == "file":
        digest = draw(st.one_of(st.sampled_from(known_blobs), st.binary(max_size=33)))
        size = draw(st.one_of(st.sampled_from([0, 7]), SIZES))
        msg.file.CopyFrom(
            castore_pb2.FileNode(
                name=name, digest=digest, size=size, executable=draw(st.booleans())
            )
        )
    elif kind == "symlink":
        msg.symlink.CopyFrom(
            castore_pb2.SymlinkNode(
                name=name, target=draw(st.one_of(st.binary(max_size=20), st.just(b"x" * 5000)))
            )
        )
    raw = msg.SerializeToString()
    return draw(mutated(raw)) if draw(st.booleans()) else raw


def _root(served: StoreServer) -> Directory:
    root = served.directories.get(served.root.digest)
    assert root is not None
    return root


@FUZZ
@given(data=st.data())
def test_calculate_nar_of_any_node(store_server: StoreServer, data: Any) -> None:
    raw = data.draw(nodes(store_server))
    answer, code = _call(lambda: store_server.unary("CalculateNAR")(raw, timeout=TIMEOUT))
    if code is None:
        response = rpc_pathinfo_pb2.CalculateNARResponse.FromString(answer)
        assert len(response.nar_sha256) == 32
    else:
        msg = _parses(raw, castore_pb2.Node)
        if msg is not None and msg.WhichOneof("node") in ("directory", "file"):
            node = getattr(msg, msg.WhichOneof("node"))
            if len(node.digest) == 32:
                # A well-formed node whose contents castore lacks or contradicts.
                assert code == grpc.StatusCode.FAILED_PRECONDITION
    _grpc_still_healthy(store_server)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=50), mutated(b"")))
def test_list_with_any_request(store_server: StoreServer, raw: bytes) -> None:
    answer, code = _call(lambda: list(store_server.listing()(raw, timeout=TIMEOUT)))
    if code is None:
        for info in answer:
            PathInfo.from_bytes(info)
    _grpc_still_healthy(store_server)


def test_calculate_nar_of_a_missing_directory_is_failed_precondition(
    store_server: StoreServer,
) -> None:
    """Regression: a node whose directory or blob castore lacks was answered INTERNAL, as if
    the server had failed, when the request names something that is not there."""
    for node in (
        DirectoryNode(B3Digest.of(b"no such directory"), 1),
        FileNode(B3Digest.of(b"no such blob"), 3),
    ):
        raw = node_to_proto(node).SerializeToString()
        _, code = _call(lambda r=raw: store_server.unary("CalculateNAR")(r, timeout=TIMEOUT))
        assert code == grpc.StatusCode.FAILED_PRECONDITION
    _grpc_still_healthy(store_server)


def test_undecodable_request_is_invalid_argument_without_a_logged_traceback(
    store_server: StoreServer,
) -> None:
    """Regression: grpcio decoded requests with the generated deserializers, before the
    servicer ran, and answered bytes protobuf cannot decode with INTERNAL and a traceback
    in the log."""
    for method in ("Get", "Put", "CalculateNAR"):
        _, code = _call(lambda m=method: store_server.unary(m)(b"\xff\xff", timeout=TIMEOUT))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
    _, code = _call(lambda: list(store_server.listing()(b"\xff\xff", timeout=TIMEOUT)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    _grpc_still_healthy(store_server)


# == nar-bridge ==============================================================================


@dataclass(repr=False)
class Bridge:
    """nar-bridge served from a loop on a thread of its own; ``known`` is a valid path, and
    ``boasting`` a directory in castore whose file claims exabytes of an empty blob (castore
    does not check file sizes against blobs: a gRPC client can upload such a directory)."""

    url: str
    store: Store
    client: httpx.Client
    log: _Records
    known: StorePath
    known_nar_url: str
    loop: asyncio.AbstractEventLoop
    boasting: Directory


def _serve(app: web.Application) -> tuple[asyncio.AbstractEventLoop, web.AppRunner, str]:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True, name="fuzz-nar-bridge").start()
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    asyncio.run_coroutine_threadsafe(runner.setup(), loop).result()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    asyncio.run_coroutine_threadsafe(site.start(), loop).result()
    host, port = runner.addresses[0][:2]
    return loop, runner, f"http://{host}:{port}"


def _compressed(nar: bytes, compression: str) -> bytes:
    compress = compressor(compression)
    return compress.compress(nar) + compress.flush()


def _upload_name(data: bytes, compression: str) -> str:
    return nixbase32.encode(hashlib.sha256(data).digest()) + EXTENSIONS[compression]


def _narinfo_for(path: StorePath, nar: bytes, url: str, compression: str, data: bytes) -> NarInfo:
    return NarInfo(
        store_path=path,
        url=url,
        nar_hash=NixHash("sha256", hashlib.sha256(nar).digest()),
        nar_size=len(nar),
        compression=compression,
        file_hash=NixHash("sha256", hashlib.sha256(data).digest()),
        file_size=len(data),
    )


@pytest.fixture(scope="module")
def bridge(log: _Records) -> Iterator[Bridge]:
    store = Store(MemoryBlobService(), MemoryDirectoryService(), MemoryPathInfoService())
    loop, runner, url = _serve(make_app(NarBridge(store)))
    client = httpx.Client(base_url=url, timeout=TIMEOUT)
    known = StorePath(hashlib.sha1(b"known").digest(), "known-tree")
    data = _compressed(TREE_NAR, "xz")
    name = _upload_name(data, "xz")
    assert client.put(f"/nar/{name}", content=data).status_code == 200
    narinfo = _narinfo_for(known, TREE_NAR, f"nar/{name}", "xz", data)
    assert client.put(f"/{known.hash_part}.narinfo", content=narinfo.to_string()).status_code == 200
    served = NarInfo.parse(client.get(f"/{known.hash_part}.narinfo").text)
    store.directories.put(BOASTING)
    try:
        yield Bridge(url, store, client, log, known, served.url, loop, BOASTING)
    finally:
        client.close()
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result()
        loop.call_soon_threadsafe(loop.stop)


def _check_answer(response: httpx.Response) -> None:
    """A proper answer: no server fault, and an error is one line of text."""
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        text = response.text
        assert text.count("\n") <= 1, text
        for leak in LEAKS:
            assert leak not in text, text


def _bridge_still_healthy(bridge: Bridge) -> None:
    client = bridge.client
    assert client.get("/nix-cache-info").status_code == 200
    response = client.get(f"/{bridge.known.hash_part}.narinfo")
    assert response.status_code == 200
    assert NarInfo.parse(response.text).nar_size == len(TREE_NAR)
    assert client.get("/" + bridge.known_nar_url).content == TREE_NAR
    response = client.get(f"/{bridge.known.hash_part}.ls")
    assert response.status_code == 200
    assert json.loads(response.text)["root"]["type"] == "directory"
    assert bridge.log.take() == []


def _request(bridge: Bridge, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
    """Send one request; None when the server cut the response short (a NAR whose headers
    were sent before rendering failed), which it may only do for a GET of a NAR."""
    try:
        return bridge.client.request(method, path, **kwargs)
    except httpx.RemoteProtocolError as exc:
        assert "without sending complete message body" in str(exc), exc
        assert method == "GET" and path.startswith("/nar/tvix-castore/"), (method, path)
        return None


SEGMENTS: Final = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "nix-cache-info",
            "nar",
            "tvix-castore",
            "00000000000000000000000000000000.narinfo",
            "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.ls",
            "0" * 52 + ".nar.xz",
            "0" * 52 + ".nar.lz4",
            "..",
            ".",
            "",
        ]
    ),
)
RANGES: Final = st.one_of(
    st.none(),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20),
    st.builds(
        lambda a, b: f"bytes={a}-{b}",
        st.one_of(st.just(""), st.integers(-5, 2**70).map(str)),
        st.one_of(st.just(""), st.integers(-5, 2**70).map(str)),
    ),
    st.sampled_from(
        [
            "bytes=0-1,5-9",
            "bytes=0-",
            "bytes=-1",
            "bytes=1-0",
            f"bytes={2**62}-",
            f"bytes={2**63 + 5}-{2**64}",
            f"bytes=-{2**64}",
            f"bytes=0-{2**70}",
        ]
    ),
)


def _headers(range_header: str | None) -> dict[str, str]:
    return {} if range_header is None else {"Range": range_header}


@FUZZ
@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]),
    segments=st.lists(SEGMENTS, min_size=1, max_size=4),
    query=st.one_of(st.just(""), st.text(max_size=15)),
    range_header=RANGES,
    body=st.one_of(st.just(b""), st.binary(max_size=300)),
)
def test_any_request(
    bridge: Bridge,
    method: str,
    segments: list[str],
    query: str,
    range_header: str | None,
    body: bytes,
) -> None:
    path = "/" + "/".join(quote(s, safe="") for s in segments)
    if query:
        path += "?" + quote(query, safe="=&")
    response = _request(bridge, method, path, headers=_headers(range_header), content=body)
    if response is not None:
        _check_answer(response)
    _bridge_still_healthy(bridge)


def _base64_of(node: castore_pb2.Node) -> str:
    return base64.urlsafe_b64encode(node.SerializeToString()).decode().rstrip("=")


#: The bytes a NAR of one regular file has besides its contents and their padding.
FILE_NAR_OVERHEAD: Final = len(_nar(lambda w: w.regular(b"")))


@st.composite
def nar_urls(draw: st.DrawFn, bridge: Bridge) -> tuple[str, int | None]:
    """Our NAR URL with the node's base64 or the narsize changed, and the size it claims."""
    path, _, query = bridge.known_nar_url.partition("?")
    encoded = path.removeprefix("nar/tvix-castore/")
    if draw(st.booleans()):
        encoded = quote(draw(mutated(encoded.encode())).decode("latin-1"), safe="")
    return _with_narsize(draw, encoded, int(query.removeprefix("narsize=")))


def _with_narsize(draw: st.DrawFn, encoded: str, size: int | None) -> tuple[str, int | None]:
    """The URL of a node's NAR with the narsize it adds up to, or another one."""
    narsize = draw(
        st.one_of(
            st.integers(-3, 2**65).map(str),
            st.sampled_from(["-1", "0", "", "x", "1e3", " 5", "+5", "0x10", "1" * 30]),
            st.sampled_from([str(2**64 - 1), str(2**63)]),
        )
    )
    if size is not None and draw(st.booleans()):
        narsize = str(size)
    claimed = int(narsize) if narsize.isdigit() else None
    return f"/nar/tvix-castore/{encoded}?narsize={quote(narsize)}", claimed


#: The bytes a NAR of one regular file has besides its contents and their padding.
FILE_NAR_OVERHEAD: Final = len(_nar(lambda w: w.regular(b"")))


@st.composite
def made_up_node_urls(draw: st.DrawFn, bridge: Bridge) -> tuple[str, int | None]:
    """NAR URLs naming nodes nobody uploaded: of contents castore has, claiming sizes it does
    not have (up to exabytes), or of contents it lacks; with the narsize the claims add up
    to (or another)."""
    content = B3Digest.of(b"#!/bin/sh\necho fuzz\n")
    digest = draw(st.sampled_from([content, B3Digest.of(b""), bytes(32), b"short"]))
    claims = st.one_of(st.sampled_from([0, 20, 2**32, 2**62, 2**63, 2**64 - 100]), SIZES)
    msg = castore_pb2.Node()
    size = None
    which = draw(st.sampled_from(["file", "directory", "directory", "symlink"]))
    if which == "file":
        msg.file.digest = digest
        msg.file.size = draw(claims)
        msg.file.executable = draw(st.booleans())
        size = FILE_NAR_OVERHEAD + msg.file.size + -msg.file.size % 8
        if msg.file.executable:
            size += len(_nar(lambda w: w.regular(b"", executable=True))) - FILE_NAR_OVERHEAD
    elif which == "directory":
        boasting = bridge.boasting.as_node()
        msg.directory.digest = draw(st.sampled_from([boasting.digest, bytes(32), b"short"]))
        msg.directory.size = draw(st.one_of(st.just(boasting.size), claims))
        size = 2**64 - 1  # more than its claims add up to, so ranges fall past the huge file
    else:
        msg.symlink.target = draw(st.binary(max_size=10))
    return _with_narsize(draw, _base64_of(msg), size)


def ranges_in(size: int | None) -> st.SearchStrategy[str | None]:
    """Range headers of every kind, and ones that fall inside or around ``size`` bytes."""
    if size is None:
        return RANGES
    return st.one_of(
        st.builds(
            lambda first, last: f"bytes={first}-{last}",
            st.sampled_from([size // 2, size - 1, 0, size, size + 1]),
            st.sampled_from(["", str(size // 2 + 1), str(size - 1), str(size)]),
        ),
        RANGES,
    )


def _get_nar(bridge: Bridge, method: str, url: str, range_header: str | None) -> None:
    response = _request(bridge, method, url, headers=_headers(range_header))
    if response is not None:
        _check_answer(response)
        if url == "/" + bridge.known_nar_url and response.status_code == 200 and method == "GET":
            assert response.content == TREE_NAR
    _bridge_still_healthy(bridge)


@settings(FUZZ, max_examples=80)
@given(data=st.data(), method=st.sampled_from(["GET", "HEAD"]))
def test_nar_get_of_mutated_urls(bridge: Bridge, data: Any, method: str) -> None:
    url, size = data.draw(nar_urls(bridge))
    _get_nar(bridge, method, url, data.draw(ranges_in(size)))


@settings(FUZZ, max_examples=120)
@given(data=st.data())
def test_nar_get_of_made_up_nodes(bridge: Bridge, data: Any) -> None:
    url, size = data.draw(made_up_node_urls(bridge))
    _get_nar(bridge, "GET", url, data.draw(ranges_in(size)))


_NIX32_ZEROS: Final = "0" * 52
#: For each narinfo field, values a client might send: valid for some field, not for others.
FIELD_VALUES: Final = {
    "StorePath": ["/nix/store/00000000000000000000000000000000-other", "/tmp/x", "x"],
    "URL": ["nar/" + _NIX32_ZEROS + ".nar", "", "nar/../../etc/passwd", "http://x/nar"],
    "Compression": ["none", "xz", "lz4", "", "gzip"],
    "FileHash": ["sha256:" + _NIX32_ZEROS, "sha1:" + "0" * 32, "x"],
    "FileSize": ["0", "-1", str(2**64), "1e3"],
    "NarHash": ["sha256:" + _NIX32_ZEROS, "sha1:" + "0" * 32, "sha256-", "md5:x"],
    "NarSize": ["0", "1", "-1", str(2**64), str(2**64 - 1), "99999999999999999999999"],
    "References": [
        "00000000000000000000000000000000-dep",
        "00000000000000000000000000000000-dep 00000000000000000000000000000000-dep",
        "not-a-path",
        "",
    ],
    "Deriver": [
        "00000000000000000000000000000000-no-drv-suffix",
        "00000000000000000000000000000000-x.drv",
        "unknown-deriver",
        "x",
    ],
    "System": ["x86_64-linux", "", "a b"],
    "Sig": ["key:" + base64.b64encode(bytes(64)).decode(), "key:short", "nokey", ":"],
    "CA": [
        "fixed:r:sha256:" + _NIX32_ZEROS,
        "fixed:sha1:" + "0" * 32,
        "fixed:git:sha1:" + "0" * 40,
        "text:sha256:" + _NIX32_ZEROS,
        "text:sha1:" + "0" * 32,
        "fixed:r:md5:" + "0" * 26,
        "",
        "x",
    ],
}


@st.composite
def mutated_narinfo(draw: st.DrawFn, narinfo: NarInfo) -> str:
    """A narinfo's text with fields set to other values, lines dropped, repeated or added,
    or made-up text."""
    lines = narinfo.to_string().splitlines(keepends=True)
    kind = draw(st.sampled_from(["change", "change", "change", "same", "random", "truncate"]))
    if kind == "random":
        return draw(st.text(max_size=200))
    if kind == "truncate":
        text = "".join(lines)
        return text[: draw(st.integers(0, len(text) - 1))]
    for _ in range(draw(st.integers(1, 2)) if kind == "change" else 0):
        how = draw(st.sampled_from(["set", "set", "set", "add", "drop", "repeat"]))
        index = draw(st.integers(0, len(lines) - 1))
        if how == "drop":
            del lines[index]
            if not lines:
                break
        elif how == "repeat":
            lines.insert(index, lines[index])
        else:
            field = draw(st.sampled_from(sorted(FIELD_VALUES)))
            if draw(st.integers(0, 3)):
                value = draw(st.sampled_from(FIELD_VALUES[field]))
            else:
                value = draw(st.text(max_size=30).filter(lambda t: "\n" not in t))
            line = f"{field}: {value}\n"
            if how == "add":
                lines.insert(index, line)
            else:
                lines = [x for x in lines if not x.startswith(f"{field}: ")] + [line]
    return "".join(lines)


COMPRESSIONS: Final = sorted(EXTENSIONS)


@FUZZ
@given(
    compression=st.sampled_from(COMPRESSIONS),
    name_kind=st.sampled_from(["right", "of-original", "other-extension", "garbage"]),
    small=st.booleans(),
    data=st.data(),
)
def test_upload_of_mutated_nars(
    bridge: Bridge, compression: str, name_kind: str, small: bool, data: Any
) -> None:
    nar = _nar(lambda w: w.regular(b"x" * 300)) if small else TREE_NAR
    original = _compressed(nar, compression)
    sent = data.draw(mutated(original))
    name = _upload_name(sent, compression)
    if name_kind == "of-original":
        name = _upload_name(original, compression)
    elif name_kind == "other-extension":
        other = data.draw(st.sampled_from(COMPRESSIONS))
        name = name.removesuffix(EXTENSIONS[compression]) + EXTENSIONS[other]
    elif name_kind == "garbage":
        name = quote(data.draw(st.text(min_size=1, max_size=20)), safe="")
    response = _request(bridge, "PUT", f"/nar/{name}", content=sent)
    assert response is not None
    _check_answer(response)
    if sent == original and name_kind == "right":
        assert response.status_code == 200
    if response.status_code == 200:
        # Its narinfo makes it valid, and it is served back as it was sent.
        path = StorePath(hashlib.sha1(sent).digest(), "uploaded")
        narinfo = _narinfo_for(path, nar, f"nar/{name}", compression, sent)
        _put_narinfo(bridge, path, narinfo.to_string(), expect_valid=True)
    _bridge_still_healthy(bridge)


def _put_narinfo(bridge: Bridge, path: StorePath, text: str, *, expect_valid: bool) -> None:
    """PUT a narinfo; if accepted, the path is valid with the NAR it describes, and if
    refused, it is as valid as it was before."""
    was_valid = bridge.store.path_infos.get(path.digest) is not None
    response = _request(bridge, "PUT", f"/{path.hash_part}.narinfo", content=text.encode())
    assert response is not None
    _check_answer(response)
    if expect_valid:
        assert response.status_code == 200, response.text
    if response.status_code == 200:
        registered = NarInfo.parse(bridge.client.get(f"/{path.hash_part}.narinfo").text)
        assert registered.store_path == path
        nar_response = bridge.client.get("/" + registered.url)
        assert nar_response.status_code == 200
        assert hashlib.sha256(nar_response.content).digest() == registered.nar_hash.digest
        info = bridge.store.path_infos.get(path.digest)
        assert info is not None
        assert PathInfo.from_proto(info.to_proto()) == info  # any backend could hold it
    else:
        assert (bridge.store.path_infos.get(path.digest) is not None) == was_valid


@settings(FUZZ, max_examples=100)
@given(data=st.data(), seed=st.integers(0, 2**32))
def test_narinfo_put_of_mutated_narinfos(bridge: Bridge, data: Any, seed: int) -> None:
    compression = "none"
    nar = _nar(lambda w: w.regular(seed.to_bytes(8, "big")))
    sent = _compressed(nar, compression)
    name = _upload_name(sent, compression)
    response = _request(bridge, "PUT", f"/nar/{name}", content=sent)
    assert response is not None and response.status_code == 200
    path = StorePath(hashlib.sha1(b"%d" % seed).digest(), "fuzz")
    narinfo = _narinfo_for(path, nar, f"nar/{name}", compression, sent)
    _put_narinfo(bridge, path, data.draw(mutated_narinfo(narinfo)), expect_valid=False)
    _bridge_still_healthy(bridge)


def test_narinfo_put_with_each_field_set_to_each_value(bridge: Bridge) -> None:
    """Every field of a valid narinfo set to every value of :data:`FIELD_VALUES` in turn:
    too few combinations to leave to chance."""
    for number, (field, value) in enumerate(
        (field, value) for field, values in FIELD_VALUES.items() for value in values
    ):
        nar = _nar(lambda w, n=number: w.regular(b"each field %d" % n))
        sent = _compressed(nar, "none")
        name = _upload_name(sent, "none")
        assert bridge.client.put(f"/nar/{name}", content=sent).status_code == 200
        path = StorePath(hashlib.sha1(b"each field %d" % number).digest(), "each-field")
        lines = _narinfo_for(path, nar, f"nar/{name}", "none", sent).to_string().splitlines()
        text = "".join(f"{x}\n" for x in lines if not x.startswith(f"{field}: "))
        _put_narinfo(bridge, path, f"{text}{field}: {value}\n", expect_valid=False)
    _bridge_still_healthy(bridge)


def test_narinfo_sent_in_pieces_is_read_whole(bridge: Bridge) -> None:
    """Regression check: the narinfo body is read to its end, not only its first piece."""
    data = _compressed(TREE_NAR, "none")
    name = _upload_name(data, "none")
    assert bridge.client.put(f"/nar/{name}", content=data).status_code == 200
    path = StorePath(hashlib.sha1(b"in pieces").digest(), "in-pieces")
    text = _narinfo_for(path, TREE_NAR, f"nar/{name}", "none", data).to_string().encode()

    def slowly() -> Iterator[bytes]:
        for offset in range(0, len(text), 40):
            yield text[offset : offset + 40]
            time.sleep(0.02)

    response = bridge.client.put(f"/{path.hash_part}.narinfo", content=slowly())
    assert response.status_code == 200, response.text
    _bridge_still_healthy(bridge)


def test_header_with_control_characters_is_refused_in_one_log_line(bridge: Bridge) -> None:
    """Regression: aiohttp refuses a request whose header holds control characters with 400
    before any handler runs, and logged it at ERROR with a traceback."""
    response = bridge.client.get("/nix-cache-info", headers={"Range": "bytes=\x02-\x13"})
    assert response.status_code == 400
    assert "Traceback" not in response.text
    _bridge_still_healthy(bridge)


def test_nar_get_of_a_negative_narsize_is_not_found(bridge: Bridge) -> None:
    """Regression: ``int()`` took a negative narsize, and the response went out with a
    negative Content-Length."""
    url = "/" + bridge.known_nar_url.partition("?")[0]
    for narsize in ("-1", "0", " 5", "+5", "1_0", str(2**64)):
        response = bridge.client.get(f"{url}?narsize={quote(narsize)}")
        assert response.status_code == 404, (narsize, response.status_code)
        assert response.text.count("\n") == 1
    _bridge_still_healthy(bridge)


def test_nar_range_past_a_file_that_boasts_ends_quickly(bridge: Bridge) -> None:
    """Regression: a Range starting past a file that claims 2**63 bytes made the renderer
    feed the NAR writer 2**63 zeros (for days, holding a worker) before noticing the blob
    is empty."""
    encoded = _base64_of(node_to_proto(bridge.boasting.as_node()))
    began = time.monotonic()
    response = _request(
        bridge,
        "GET",
        f"/nar/tvix-castore/{encoded}?narsize={2**64 - 1}",
        headers={"Range": f"bytes={2**63 + 4096}-"},
    )
    assert time.monotonic() - began < TIMEOUT / 2
    assert response is None or 400 <= response.status_code < 500
    _bridge_still_healthy(bridge)


def test_listing_of_a_path_whose_file_boasts_ends_quickly(bridge: Bridge) -> None:
    """Regression: a listing stood zeros in for every file's contents, so a path whose
    node (as a PathInfo put over gRPC may have) claims a file of 2**63 bytes kept it busy
    for days. Castore does not hold what the path claims: a fault of the store, 5xx."""
    info = sample_path_info("boasting", node=bridge.boasting.as_node())
    bridge.store.path_infos.put(info)
    began = time.monotonic()
    response = bridge.client.get(f"/{info.store_path.hash_part}.ls")
    assert time.monotonic() - began < TIMEOUT / 2
    assert response.status_code == 500
    assert response.text.count("\n") == 1 and "Traceback" not in response.text
    _bridge_still_healthy(bridge)


def test_corrupt_gzip_upload_is_bad_request(bridge: Bridge) -> None:
    """Regression: a gzip upload whose deflate stream is corrupt raised zlib's own error,
    which no handler expected: 500 "internal error" for the client's corrupt file."""
    data = bytearray(_compressed(TREE_NAR, "gzip"))
    data[10] ^= 0xFF  # the first byte of the deflate stream, after gzip's 10-byte header
    sent = bytes(data)
    response = bridge.client.put(f"/nar/{_upload_name(sent, 'gzip')}", content=sent)
    assert response.status_code == 400
    assert "cannot decompress" in response.text
    _bridge_still_healthy(bridge)


def test_narinfo_whose_fields_a_path_info_cannot_hold_is_bad_request(bridge: Bridge) -> None:
    """Regression: a Deriver that is no .drv made the PathInfo refuse itself (500 "internal
    error"), and a CA the PathInfo message has no place for (git hashing) was accepted, to
    fail later in any backend that stores the message."""
    for number, line in enumerate(
        [
            "Deriver: 00000000000000000000000000000000-no-drv-suffix",
            "CA: fixed:git:sha1:" + "0" * 40,
        ]
    ):
        nar = _nar(lambda w, n=number: w.regular(b"cannot hold %d" % n))
        sent = _compressed(nar, "none")
        name = _upload_name(sent, "none")
        assert bridge.client.put(f"/nar/{name}", content=sent).status_code == 200
        path = StorePath(hashlib.sha1(b"cannot hold %d" % number).digest(), "cannot-hold")
        text = _narinfo_for(path, nar, f"nar/{name}", "none", sent).to_string() + line + "\n"
        response = bridge.client.put(f"/{path.hash_part}.narinfo", content=text)
        assert response.status_code == 400, response.text
        assert "invalid PathInfo" in response.text
        assert bridge.store.path_infos.get(path.digest) is None
    _bridge_still_healthy(bridge)


def test_nar_of_a_file_node_claiming_another_size_is_not_found(bridge: Bridge) -> None:
    """Regression: only the blob's presence was checked before the headers went out, so a
    file node claiming a size its blob does not have got 200 and a response cut short."""
    msg = castore_pb2.Node()
    msg.file.digest = B3Digest.of(b"#!/bin/sh\necho fuzz\n")
    msg.file.size = 21
    size = FILE_NAR_OVERHEAD + 21 + 3
    for method in ("HEAD", "GET"):
        response = _request(bridge, method, f"/nar/tvix-castore/{_base64_of(msg)}?narsize={size}")
        assert response is not None and response.status_code == 404
    _bridge_still_healthy(bridge)


def test_upload_read_past_its_end_logs_no_stack(bridge: Bridge) -> None:
    """Regression: the NAR reader and the decompressors ask for more at the end of an
    upload, each time reaching aiohttp's ended stream again, which logs a warning with a
    stack trace after a few times."""
    for compression in ("none", "xz"):
        sent = _compressed(TREE_NAR, compression)
        response = bridge.client.put(f"/nar/{_upload_name(sent, compression)}", content=sent)
        assert response.status_code == 200
        assert bridge.log.take() == []
