"""The daemon's log stream: every message type both ways, and both error encodings."""

from __future__ import annotations

import io

import pytest
from nix_compat.errors import DaemonError, WireError
from nix_compat.hash import NixHash
from nix_compat.nar import Regular, nar_bytes
from nix_compat.store_path import make_source_path
from nix_compat.wire.client import DaemonClient
from nix_compat.wire.handshake import ProtocolVersion
from nix_compat.wire.messages import ValidPathInfo
from nix_compat.wire.primitives import WireReader, WireWriter, encode_bytes, encode_u64
from nix_compat.wire.stderr import (
    ActivityResult,
    ErrorInfo,
    Last,
    LogLine,
    ReadRequest,
    StartActivity,
    StderrCode,
    StderrMessage,
    StopActivity,
    Verbosity,
    WriteData,
    read_stderr,
    write_stderr,
)

NEW = ProtocolVersion(1, 38)
OLD = ProtocolVersion(1, 25)

MESSAGES: list[StderrMessage] = [
    LogLine("building '/nix/store/x.drv'...\n"),
    ReadRequest(32768),
    WriteData(b"\x00\x01binary"),
    Last(),
    StartActivity(7, Verbosity.INFO, 105, "building", (1, "two", 3), 0),
    StopActivity(7),
    ActivityResult(7, 101, ("a log line",)),
]


def _encode(message: StderrMessage, version: ProtocolVersion) -> bytes:
    out = io.BytesIO()
    writer = WireWriter(out)
    write_stderr(writer, message, version)
    writer.flush()
    return out.getvalue()


def _decode(data: bytes, version: ProtocolVersion) -> StderrMessage:
    reader = WireReader(io.BytesIO(data))
    message = read_stderr(reader, version)
    assert reader.offset == len(data)
    return message


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_messages_round_trip(message: StderrMessage) -> None:
    for version in (NEW, OLD):
        assert _decode(_encode(message, version), version) == message


def test_message_layout() -> None:
    assert _encode(Last(), NEW) == encode_u64(0x616C7473)
    assert _encode(LogLine("hi\n"), NEW) == encode_u64(0x6F6C6D67) + encode_bytes(b"hi\n")
    assert _encode(StartActivity(1, 3, 100, "s", (5, "f"), 9), NEW) == b"".join(
        [
            encode_u64(0x53545254),
            encode_u64(1),
            encode_u64(3),
            encode_u64(100),
            encode_bytes(b"s"),
            encode_u64(2),
            encode_u64(0) + encode_u64(5),  # an integer field
            encode_u64(1) + encode_bytes(b"f"),  # a string field
            encode_u64(9),
        ]
    )


def test_structured_error_layout_from_1_26() -> None:
    error = ErrorInfo("it broke", traces=("while doing a", "while doing b"))
    data = _encode(error, NEW)
    assert data == b"".join(
        [
            encode_u64(StderrCode.ERROR),
            encode_bytes(b"Error"),
            encode_u64(Verbosity.ERROR),
            encode_bytes(b"Error"),  # the name, no longer used
            encode_bytes(b"it broke"),
            encode_u64(0),  # no position
            encode_u64(2),
            encode_u64(0) + encode_bytes(b"while doing a"),
            encode_u64(0) + encode_bytes(b"while doing b"),
        ]
    )
    assert _decode(data, NEW) == error


def test_plain_error_layout_before_1_26() -> None:
    error = ErrorInfo("it broke", exit_status=100)
    data = _encode(error, OLD)
    assert data == encode_u64(StderrCode.ERROR) + encode_bytes(b"it broke") + encode_u64(100)
    assert _decode(data, OLD) == error


def test_errors_become_daemon_errors() -> None:
    exc = ErrorInfo("no such path", traces=("while querying",), exit_status=3).to_exception()
    assert isinstance(exc, DaemonError)
    assert str(exc) == "no such path"
    assert exc.traces == ("while querying",)
    assert exc.exit_status == 3


def test_daemon_errors_lose_their_colours() -> None:
    """Nix colours parts of its messages; its client drops the codes off a terminal."""
    sent = ErrorInfo(
        "path '\x1b[35;1m/nix/store/x\x1b[0m' is not valid", traces=("\x1b[1mwhile\x1b[0m",)
    )
    assert _decode(_encode(sent, NEW), NEW) == sent  # kept as sent on the wire
    exc = sent.to_exception()
    assert str(exc) == "path '/nix/store/x' is not valid"
    assert exc.traces == ("while",)


def test_unknown_message_type_is_refused() -> None:
    with pytest.raises(WireError, match="unknown log message type 0x1234") as info:
        _decode(encode_u64(0x1234), NEW)
    assert info.value.offset == 0


def test_unknown_field_type_is_refused() -> None:
    data = encode_u64(StderrCode.RESULT) + encode_u64(1) + encode_u64(101) + encode_u64(1)
    data += encode_u64(2) + encode_u64(0)
    with pytest.raises(WireError, match="unknown activity field type 2") as info:
        _decode(data, NEW)
    assert info.value.offset == 32


def test_malformed_error_records_are_refused() -> None:
    not_error = encode_u64(StderrCode.ERROR) + encode_bytes(b"Warning")
    with pytest.raises(WireError, match="error record of type 'Warning'") as info:
        _decode(not_error, NEW)
    assert info.value.offset == 8

    with_position = b"".join(
        [
            encode_u64(StderrCode.ERROR),
            encode_bytes(b"Error"),
            encode_u64(0),
            encode_bytes(b"Error"),
            encode_bytes(b"msg"),
            encode_u64(1),
        ]
    )
    with pytest.raises(WireError, match="positions are not part of the protocol") as info:
        _decode(with_position, NEW)
    assert info.value.offset == len(with_position) - 8


def test_truncated_message_is_refused() -> None:
    data = _encode(StartActivity(1, 0, 0, "text", (), 0), NEW)
    with pytest.raises(WireError, match="unexpected end of stream") as info:
        _decode(data[:-3], NEW)
    assert info.value.offset == len(data) - 3


@pytest.mark.parametrize("length", [1 << 63, (1 << 64) - 1])
def test_a_huge_read_request_gets_a_bounded_answer(length: int) -> None:
    """Found by fuzzing: before 1.23 the daemon pulls an added NAR with STDERR_READ <length>,
    and that length went to the NAR source's read() whole (OverflowError from a BytesIO; an
    allocation of it from a buffered file). "Up to length bytes" is answered with less."""
    old = ProtocolVersion(1, 22)
    daemon = io.BytesIO()
    writer = WireWriter(daemon)
    writer.write_u64(0x6478696F)  # WORKER_MAGIC_2
    writer.write_u64(old.to_wire())
    for message in (Last(), ReadRequest(length), ReadRequest(length), Last()):
        write_stderr(writer, message, old)
    writer.flush()
    nar = nar_bytes(Regular(b"contents"))
    nar_hash = NixHash.of_bytes("sha256", nar)
    info = ValidPathInfo(make_source_path("x", nar_hash), nar_hash, len(nar))
    sent = io.BytesIO()
    client = DaemonClient(io.BytesIO(daemon.getvalue()), sent, version=old)
    client.add_to_store_nar(info, io.BytesIO(nar))
    # The first answer is the whole (small) NAR, the second its end: nothing more to send.
    assert sent.getvalue().endswith(encode_bytes(nar) + encode_bytes(b""))
