"""The log stream the daemon sends while it works on an operation, and how it ends.

After a request the daemon sends messages, each a u64 code and a body, until ``STDERR_LAST``
(the operation succeeded: its result follows) or ``STDERR_ERROR`` (it failed). In between come
log lines, structured activities and their results, and the two data channels: ``STDERR_READ``
asks the client for up to N bytes (the client answers with a byte string), ``STDERR_WRITE``
carries data for the client.

Errors have two encodings. Before protocol 1.26 an error is its message and an exit status.
From 1.26 it is structured: ``"Error"``, a verbosity level, a name that is no longer used, the
message, a position that is always absent (0), and a list of traces (each an absent position
and a message). The exit status is no longer sent; clients take it as 1.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Final

from nix_compat.errors import DaemonError, WireError
from nix_compat.wire.handshake import ProtocolVersion
from nix_compat.wire.primitives import WireReader, WireWriter

__all__ = [
    "ActivityResult",
    "ErrorInfo",
    "Field",
    "Last",
    "LogLine",
    "ReadRequest",
    "StartActivity",
    "StderrCode",
    "StderrMessage",
    "StopActivity",
    "Verbosity",
    "WriteData",
    "read_error",
    "read_stderr",
    "strip_colours",
    "write_stderr",
]

_STRUCTURED_ERRORS_SINCE: Final = ProtocolVersion(1, 26)
#: Control sequences (``ESC [ ... final byte``), which Nix uses to colour its messages.
_ESCAPE: Final = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_FIELD_INT: Final = 0
_FIELD_STRING: Final = 1


class StderrCode(enum.IntEnum):
    NEXT = 0x6F6C6D67
    READ = 0x64617461
    WRITE = 0x64617416
    LAST = 0x616C7473
    ERROR = 0x63787470
    START_ACTIVITY = 0x53545254
    STOP_ACTIVITY = 0x53544F50
    RESULT = 0x52534C54


class Verbosity(enum.IntEnum):
    """Nix's log levels, lowest (always shown) first."""

    ERROR = 0
    WARN = 1
    NOTICE = 2
    INFO = 3
    TALKATIVE = 4
    CHATTY = 5
    DEBUG = 6
    VOMIT = 7


#: An activity field is an integer or a string.
Field = int | str


@dataclass(frozen=True, slots=True)
class LogLine:
    """``STDERR_NEXT``: a line of log text (it keeps its trailing newline)."""

    text: str


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """``STDERR_READ``: the daemon wants up to ``length`` bytes of the client's data."""

    length: int


@dataclass(frozen=True, slots=True)
class WriteData:
    """``STDERR_WRITE``: data for the client's sink."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Last:
    """``STDERR_LAST``: the operation succeeded; its result follows."""


def strip_colours(text: str) -> str:
    """``text`` without terminal escape sequences, as Nix prints it when not on a terminal."""
    return _ESCAPE.sub("", text)


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """``STDERR_ERROR``: the operation failed. ``message`` is as sent, colour codes and all."""

    message: str
    level: int = Verbosity.ERROR
    traces: tuple[str, ...] = ()
    exit_status: int = 1

    def to_exception(self) -> DaemonError:
        """The error as the reference client shows it off a terminal: without colour codes."""
        return DaemonError(
            strip_colours(self.message),
            exit_status=self.exit_status,
            traces=tuple(map(strip_colours, self.traces)),
        )


@dataclass(frozen=True, slots=True)
class StartActivity:
    """``STDERR_START_ACTIVITY``: an activity (a build, a download...) began."""

    id: int
    level: int
    type: int
    text: str
    fields: tuple[Field, ...]
    parent: int


@dataclass(frozen=True, slots=True)
class StopActivity:
    """``STDERR_STOP_ACTIVITY``."""

    id: int


@dataclass(frozen=True, slots=True)
class ActivityResult:
    """``STDERR_RESULT``: progress or output of a running activity."""

    id: int
    type: int
    fields: tuple[Field, ...]


StderrMessage = (
    LogLine
    | ReadRequest
    | WriteData
    | Last
    | ErrorInfo
    | StartActivity
    | StopActivity
    | ActivityResult
)


# -- reading ---------------------------------------------------------------------------------


def read_stderr(reader: WireReader, version: ProtocolVersion) -> StderrMessage:
    """Read one message of the daemon's log stream."""
    start = reader.offset
    word = reader.read_u64()
    try:
        code = StderrCode(word)
    except ValueError:
        raise WireError(f"unknown log message type {word:#x} from the daemon", start) from None
    if code is StderrCode.NEXT:
        return LogLine(reader.read_str())
    if code is StderrCode.READ:
        return ReadRequest(reader.read_u64())
    if code is StderrCode.WRITE:
        return WriteData(reader.read_bytes())
    if code is StderrCode.LAST:
        return Last()
    if code is StderrCode.ERROR:
        return read_error(reader, version)
    if code is StderrCode.START_ACTIVITY:
        return StartActivity(
            id=reader.read_u64(),
            level=reader.read_u64(),
            type=reader.read_u64(),
            text=reader.read_str(),
            fields=_read_fields(reader),
            parent=reader.read_u64(),
        )
    if code is StderrCode.STOP_ACTIVITY:
        return StopActivity(reader.read_u64())
    return ActivityResult(id=reader.read_u64(), type=reader.read_u64(), fields=_read_fields(reader))


def _read_fields(reader: WireReader) -> tuple[Field, ...]:
    fields: list[Field] = []
    for _ in range(reader.read_count("field count")):
        start = reader.offset
        kind = reader.read_u64()
        if kind == _FIELD_INT:
            fields.append(reader.read_u64())
        elif kind == _FIELD_STRING:
            fields.append(reader.read_str())
        else:
            raise WireError(f"unknown activity field type {kind}", start)
    return tuple(fields)


def read_error(reader: WireReader, version: ProtocolVersion) -> ErrorInfo:
    """The body of an ``STDERR_ERROR`` whose code was already read.

    Needed on its own where an error can stand in for data, as when NarFromPath fails after
    the daemon already sent ``STDERR_LAST``.
    """
    if version < _STRUCTURED_ERRORS_SINCE:
        message = reader.read_str()
        return ErrorInfo(message, exit_status=reader.read_u64())
    start = reader.offset
    kind = reader.read_str()
    if kind != "Error":
        raise WireError(f"error record of type {kind!r}, expected 'Error'", start)
    level = reader.read_u64()
    reader.read_str()  # the error's name, no longer used
    message = reader.read_str()
    _read_no_position(reader)
    traces = []
    for _ in range(reader.read_count("trace count")):
        _read_no_position(reader)
        traces.append(reader.read_str())
    return ErrorInfo(message, level=level, traces=tuple(traces))


def _read_no_position(reader: WireReader) -> None:
    start = reader.offset
    if reader.read_u64() != 0:
        raise WireError("error positions are not part of the protocol; expected 0", start)


# -- writing ---------------------------------------------------------------------------------


def write_stderr(writer: WireWriter, message: StderrMessage, version: ProtocolVersion) -> None:
    """Write one message of the log stream (the caller flushes)."""
    match message:
        case LogLine(text):
            writer.write_u64(StderrCode.NEXT)
            writer.write_str(text)
        case ReadRequest(length):
            writer.write_u64(StderrCode.READ)
            writer.write_u64(length)
        case WriteData(data):
            writer.write_u64(StderrCode.WRITE)
            writer.write_bytes(data)
        case Last():
            writer.write_u64(StderrCode.LAST)
        case ErrorInfo():
            writer.write_u64(StderrCode.ERROR)
            _write_error(writer, message, version)
        case StartActivity():
            writer.write_u64(StderrCode.START_ACTIVITY)
            for word in (message.id, message.level, message.type):
                writer.write_u64(word)
            writer.write_str(message.text)
            _write_fields(writer, message.fields)
            writer.write_u64(message.parent)
        case StopActivity(activity):
            writer.write_u64(StderrCode.STOP_ACTIVITY)
            writer.write_u64(activity)
        case ActivityResult():
            writer.write_u64(StderrCode.RESULT)
            writer.write_u64(message.id)
            writer.write_u64(message.type)
            _write_fields(writer, message.fields)


def _write_fields(writer: WireWriter, fields: tuple[Field, ...]) -> None:
    writer.write_u64(len(fields))
    for field in fields:
        if isinstance(field, int):
            writer.write_u64(_FIELD_INT)
            writer.write_u64(field)
        else:
            writer.write_u64(_FIELD_STRING)
            writer.write_str(field)


def _write_error(writer: WireWriter, error: ErrorInfo, version: ProtocolVersion) -> None:
    if version < _STRUCTURED_ERRORS_SINCE:
        writer.write_str(error.message)
        writer.write_u64(error.exit_status)
        return
    writer.write_str("Error")
    writer.write_u64(error.level)
    writer.write_str("Error")
    writer.write_str(error.message)
    writer.write_u64(0)
    writer.write_u64(len(error.traces))
    for trace in error.traces:
        writer.write_u64(0)
        writer.write_str(trace)
