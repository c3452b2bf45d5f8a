"""castore's gRPC servers fed hostile requests: mutated, truncated and made-up messages.

The property is what DESIGN.md promises a client, however broken: every bad request gets a
status that names the problem (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION...) and one
line of text, never UNKNOWN with a Python exception's text, never a traceback in the server's
log, never a hang; the server answers correctly afterwards; and nothing refused becomes
stored. Requests go out as raw bytes through a channel with identity serializers, so what
protobuf cannot even decode reaches the server too.

One server over memory backends serves the whole module (starting one per example would cost
more than the examples); each example checks it is still healthy, and that what it refused
did not appear. Hypothesis runs derandomized and without a database, so CI sees the same
examples every time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.nodes import Directory, DirectoryNode, FileNode, SymlinkNode
from tvix_castore.protos import castore_pb2, rpc_blobstore_pb2, rpc_directory_pb2
from tvix_castore.server import RunningServer, serve
from tvix_castore.testing import sample_closure

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Seconds a call may take before it counts as a hang.
TIMEOUT: Final = 10.0

#: What a refusal may be: each names what the client did wrong or what is missing.
CLIENT_ERRORS: Final = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)

BLOB_SERVICE: Final = "/tvix.castore.v1.BlobService/"
DIRECTORY_SERVICE: Final = "/tvix.castore.v1.DirectoryService/"

KNOWN_BLOB: Final = b"the one blob every healthy server has\n"


class _Records(logging.Handler):
    """Keeps what the server logs at WARNING or above, or with a traceback attached."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING or record.exc_info:
            self.records.append(record)

    def take(self) -> list[str]:
        out = [self.format(r) for r in self.records]
        self.records.clear()
        return out


@dataclass(repr=False)
class Served:
    """The module's server, its backends (to see what got stored) and a raw channel."""

    running: RunningServer
    blobs: MemoryBlobService
    directories: MemoryDirectoryService
    channel: grpc.Channel
    log: _Records
    closure: list[Directory] = field(default_factory=sample_closure)

    def unary(self, method: str) -> Callable[..., bytes]:
        return self.channel.unary_unary(method, request_serializer=None, response_deserializer=None)

    def server_stream(self, method: str) -> Callable[..., Iterator[bytes]]:
        return self.channel.unary_stream(
            method, request_serializer=None, response_deserializer=None
        )

    def client_stream(self, method: str) -> Callable[..., bytes]:
        return self.channel.stream_unary(
            method, request_serializer=None, response_deserializer=None
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    blobs, directories = MemoryBlobService(), MemoryDirectoryService()
    with blobs.open_write() as writer:
        writer.write(KNOWN_BLOB)
    putter = directories.put_closure()
    for directory in sample_closure():
        putter.put(directory)
    putter.close()
    folder = tmp_path_factory.mktemp("fuzz-castore")
    running = serve(blobs, directories, f"unix:{folder / 'castore.sock'}")
    records = _Records()
    logging.getLogger().addHandler(records)
    channel = grpc.insecure_channel(f"unix:{folder / 'castore.sock'}")
    try:
        yield Served(running, blobs, directories, channel, records)
    finally:
        channel.close()
        running.stop(0)
        logging.getLogger().removeHandler(records)


# -- what every answer must look like --------------------------------------------------------


def _refusal(exc: grpc.RpcError) -> grpc.StatusCode:
    """Check a refusal is a proper one and return its status."""
    assert isinstance(exc, grpc.Call), exc
    code, details = exc.code(), exc.details() or ""
    assert code in CLIENT_ERRORS, f"{code.name}: {details}"
    assert details.strip(), f"{code.name} without a message"
    assert "\n" not in details.strip(), details
    for leak in ("Traceback", "Exception", 'File "'):
        assert leak not in details, details
    return code


def _call(function: Callable[[], Any]) -> tuple[Any, grpc.StatusCode | None]:
    """Run one call: its answer, or the status of a proper refusal."""
    try:
        return function(), None
    except grpc.RpcError as exc:
        return None, _refusal(exc)


def _still_healthy(served: Served) -> None:
    """The server answers correctly, and logged nothing alarming, after what it was sent."""
    stat = served.unary(BLOB_SERVICE + "Stat")
    known = B3Digest.of(KNOWN_BLOB)
    answer = stat(
        rpc_blobstore_pb2.StatBlobRequest(digest=known).SerializeToString(), timeout=TIMEOUT
    )
    assert rpc_blobstore_pb2.StatBlobResponse.FromString(answer).chunks == []
    read = served.server_stream(BLOB_SERVICE + "Read")
    pieces = read(
        rpc_blobstore_pb2.ReadBlobRequest(digest=known).SerializeToString(), timeout=TIMEOUT
    )
    assert b"".join(rpc_blobstore_pb2.BlobChunk.FromString(p).data for p in pieces) == KNOWN_BLOB
    get = served.server_stream(DIRECTORY_SERVICE + "Get")
    root = served.closure[-1].digest
    request = rpc_directory_pb2.GetDirectoryRequest(digest=root, recursive=True)
    got = [Directory.from_bytes(raw) for raw in get(request.SerializeToString(), timeout=TIMEOUT)]
    assert got[0].digest == root
    assert {d.digest for d in got} == {d.digest for d in served.closure}
    assert served.log.take() == []


# -- strategies ------------------------------------------------------------------------------


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


#: Digests a client might send: none, short, long, huge, of nothing stored, of what is stored.
def digests(known: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=70),
        st.binary(min_size=32, max_size=32),
        st.sampled_from([b"", bytes(31), bytes(33), b"\xff" * 32, b"\0" * 100_000, *known]),
    )


def _known_digests() -> list[bytes]:
    return [B3Digest.of(KNOWN_BLOB), *(d.digest for d in sample_closure())]


def _parses(raw: bytes, message: type[Any]) -> Any | None:
    try:
        return message.FromString(raw)
    except Exception:  # protobuf's DecodeError
        return None


# -- BlobService -----------------------------------------------------------------------------


@FUZZ
@given(
    digest=digests(_known_digests()),
    send_chunks=st.booleans(),
    send_bao=st.booleans(),
    garble=st.booleans(),
    data=st.data(),
)
def test_blob_stat_and_read_of_any_digest(
    served: Served, digest: bytes, send_chunks: bool, send_bao: bool, garble: bool, data: Any
) -> None:
    raw = rpc_blobstore_pb2.StatBlobRequest(
        digest=digest, send_chunks=send_chunks, send_bao=send_bao
    ).SerializeToString()
    if garble:
        raw = data.draw(mutated(raw))
    answer, code = _call(lambda: served.unary(BLOB_SERVICE + "Stat")(raw, timeout=TIMEOUT))
    request = _parses(raw, rpc_blobstore_pb2.StatBlobRequest)
    if code is None:
        assert request is not None and served.blobs.has(B3Digest(request.digest))
        rpc_blobstore_pb2.StatBlobResponse.FromString(answer)
    elif request is not None and len(request.digest) == 32:
        assert code == grpc.StatusCode.NOT_FOUND
        assert not served.blobs.has(B3Digest(request.digest))
    else:
        assert code == grpc.StatusCode.INVALID_ARGUMENT

    read = served.server_stream(BLOB_SERVICE + "Read")
    pieces, code = _call(lambda: list(read(raw, timeout=TIMEOUT)))
    if code is None:
        assert request is not None
        content = b"".join(rpc_blobstore_pb2.BlobChunk.FromString(p).data for p in pieces)
        assert B3Digest.of(content) == request.digest
    _still_healthy(served)


@FUZZ
@given(pieces=st.lists(st.binary(max_size=100), max_size=8))
def test_blob_put_of_any_chunk_sequence_stores_exactly_those_bytes(
    served: Served, pieces: list[bytes]
) -> None:
    raw = [rpc_blobstore_pb2.BlobChunk(data=p).SerializeToString() for p in pieces]
    answer = served.client_stream(BLOB_SERVICE + "Put")(iter(raw), timeout=TIMEOUT)
    digest = rpc_blobstore_pb2.PutBlobResponse.FromString(answer).digest
    assert digest == B3Digest.of(b"".join(pieces))
    with served.blobs.open_read(B3Digest(digest)) as reader:
        assert reader.read() == b"".join(pieces)
    _still_healthy(served)


@FUZZ
@given(data=st.data(), count=st.integers(0, 6))
def test_blob_put_of_garbled_messages(served: Served, data: Any, count: int) -> None:
    raw = [
        data.draw(
            mutated(
                rpc_blobstore_pb2.BlobChunk(
                    data=data.draw(st.binary(max_size=50))
                ).SerializeToString()
            )
        )
        for _ in range(count)
    ]
    decoded = [_parses(r, rpc_blobstore_pb2.BlobChunk) for r in raw]
    content = b"".join(d.data for d in decoded if d is not None)
    was_there = served.blobs.has(B3Digest.of(content))
    answer, code = _call(
        lambda: served.client_stream(BLOB_SERVICE + "Put")(iter(raw), timeout=TIMEOUT)
    )
    if None in decoded:
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert served.blobs.has(B3Digest.of(content)) == was_there
    else:
        assert code is None
        assert rpc_blobstore_pb2.PutBlobResponse.FromString(answer).digest == B3Digest.of(content)
    _still_healthy(served)


# -- DirectoryService ------------------------------------------------------------------------


@FUZZ
@given(
    digest=digests(_known_digests()),
    recursive=st.booleans(),
    omit=st.booleans(),
    garble=st.booleans(),
    data=st.data(),
)
def test_directory_get_of_any_digest(
    served: Served, digest: bytes, recursive: bool, omit: bool, garble: bool, data: Any
) -> None:
    request = rpc_directory_pb2.GetDirectoryRequest(recursive=recursive)
    if not omit:
        request.digest = digest
    raw = request.SerializeToString()
    if garble:
        raw = data.draw(mutated(raw))
    get = served.server_stream(DIRECTORY_SERVICE + "Get")
    answer, code = _call(lambda: list(get(raw, timeout=TIMEOUT)))
    parsed = _parses(raw, rpc_directory_pb2.GetDirectoryRequest)
    if code is None:
        assert parsed is not None
        got = [Directory.from_bytes(r) for r in answer]
        assert got[0].digest == parsed.digest
        assert len(got) == 1 or parsed.recursive
    elif parsed is not None and parsed.HasField("digest") and len(parsed.digest) == 32:
        assert code == grpc.StatusCode.NOT_FOUND
        assert served.directories.get(B3Digest(parsed.digest)) is None
    else:
        assert code == grpc.StatusCode.INVALID_ARGUMENT
    _still_healthy(served)


BAD_NAMES: Final = [b"", b".", b"..", b"a/b", b"/", b"a\0b", b"\0", b"../x"]


@st.composite
def mutated_closure(draw: st.DrawFn) -> list[bytes]:
    """A valid closure (leaves first) broken in one to three ways, as raw messages."""
    messages = [d.to_proto() for d in sample_closure()]
    extra = Directory({b"other": SymlinkNode(b"target"), b"x": FileNode(bytes(32), 1)})
    messages.insert(0, extra.to_proto())
    for _ in range(draw(st.integers(1, 3))):
        if not messages:
            break
        index = draw(st.integers(0, len(messages) - 1))
        message = messages[index]
        lists = [x for x in (message.directories, message.files, message.symlinks) if len(x)]
        kind = draw(
            st.sampled_from(
                [
                    "size",
                    "digest",
                    "name",
                    "unsort",
                    "duplicate-entry",
                    "target",
                    "drop",
                    "repeat",
                    "reverse",
                    "dangling",
                ]
            )
        )
        if kind in ("size", "digest") and len(message.directories) + len(message.files):
            entries = [*message.directories, *message.files]
            entry = entries[draw(st.integers(0, len(entries) - 1))]
            if kind == "size":
                entry.size = draw(
                    st.one_of(st.integers(0, 10), st.sampled_from([2**63, 2**64 - 1]))
                )
            else:
                entry.digest = draw(st.binary(max_size=40))
        elif kind == "name" and lists:
            items = lists[draw(st.integers(0, len(lists) - 1))]
            items[draw(st.integers(0, len(items) - 1))].name = draw(
                st.one_of(st.sampled_from(BAD_NAMES), st.binary(max_size=8))
            )
        elif kind == "unsort" and lists:
            items = lists[0]
            items.add().CopyFrom(items[0])
            items[-1].name = b"!"  # sorts before every name the samples use
        elif kind == "duplicate-entry" and lists:
            items = lists[-1]
            items.add().CopyFrom(items[-1])
        elif kind == "target" and len(message.symlinks):
            message.symlinks[0].target = draw(
                st.sampled_from([b"", b"a\0b", b"x" * 4096, b"/ok", b"..", b"\xff"])
            )
        elif kind == "drop":
            del messages[index]
        elif kind == "repeat":
            messages.insert(index, castore_pb2.Directory.FromString(message.SerializeToString()))
        elif kind == "reverse":
            messages.reverse()
        elif kind == "dangling":
            message.directories.add(
                name=b"\xfe-dangling", digest=draw(st.binary(min_size=32, max_size=32)), size=0
            )
    raw = [m.SerializeToString() for m in messages]
    if raw and draw(st.booleans()):
        index = draw(st.integers(0, len(raw) - 1))
        raw[index] = draw(mutated(raw[index]))
    return raw


def _digests_of(raw: list[bytes]) -> set[B3Digest]:
    """The digests the messages of a refused upload would be stored under."""
    out = set()
    for message in raw:
        try:
            out.add(Directory.from_bytes(message).digest)
        except Exception:  # not a valid directory: nothing could be stored under it
            out.add(B3Digest.of(message))
    return out


def _put_closure(served: Served, raw: list[bytes]) -> None:
    before = {d: served.directories.get(d) is not None for d in _digests_of(raw)}
    answer, code = _call(
        lambda: served.client_stream(DIRECTORY_SERVICE + "Put")(iter(raw), timeout=TIMEOUT)
    )
    if code is None:
        root = B3Digest(rpc_directory_pb2.PutDirectoryResponse.FromString(answer).root_digest)
        assert root == Directory.from_bytes(raw[-1]).digest
        stored = list(served.directories.get_recursive(root))
        assert {d.digest for d in stored} == {Directory.from_bytes(r).digest for r in raw}
    else:
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        after = {d: served.directories.get(d) is not None for d in before}
        assert after == before, "a refused closure became (partly) visible"
    _still_healthy(served)


@FUZZ
@given(raw=mutated_closure())
def test_directory_put_of_mutated_closures(served: Served, raw: list[bytes]) -> None:
    _put_closure(served, raw)


@FUZZ
@given(raw=st.lists(st.binary(max_size=80), max_size=4))
def test_directory_put_of_made_up_messages(served: Served, raw: list[bytes]) -> None:
    _put_closure(served, raw)


# -- named examples --------------------------------------------------------------------------


def test_huge_digest_is_refused_quickly(served: Served) -> None:
    huge = rpc_blobstore_pb2.StatBlobRequest(digest=b"\xaa" * (5 << 20)).SerializeToString()
    _, code = _call(lambda: served.unary(BLOB_SERVICE + "Stat")(huge, timeout=TIMEOUT))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    _still_healthy(served)


def test_empty_directory_stream_is_invalid_argument(served: Served) -> None:
    _, code = _call(
        lambda: served.client_stream(DIRECTORY_SERVICE + "Put")(iter([]), timeout=TIMEOUT)
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    _still_healthy(served)


def test_directory_with_a_wrong_child_size_is_refused(served: Served) -> None:
    leaf = served.closure[0]
    wrong = Directory({b"child": DirectoryNode(leaf.digest, leaf.size + 1)})
    _put_closure(served, [leaf.encoded, wrong.encoded])
    assert served.directories.get(wrong.digest) is None


def test_blob_put_with_an_undecodable_piece_is_refused_without_a_traceback(
    served: Served,
) -> None:
    """Regression: grpcio ends the request stream of a call whose piece it cannot decode, and
    Put took that for a vanished client and raised, so grpcio logged "Exception calling
    application" with a traceback."""
    good = rpc_blobstore_pb2.BlobChunk(data=b"kept back").SerializeToString()
    _, code = _call(
        lambda: served.client_stream(BLOB_SERVICE + "Put")(iter([good, b"\n"]), timeout=TIMEOUT)
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert not served.blobs.has(B3Digest.of(b"kept back"))
    _still_healthy(served)


def test_undecodable_request_is_invalid_argument_without_a_logged_traceback(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(grpc.RpcError) as info:
        served.unary(BLOB_SERVICE + "Stat")(b"\xff\xff", timeout=TIMEOUT)
    assert isinstance(info.value, grpc.Call)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert not [r for r in caplog.records if r.exc_info]
