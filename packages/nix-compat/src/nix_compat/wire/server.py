"""The daemon's end of a connection: greet a client, read its requests, answer them.

:class:`ServerConnection` does the protocol: the handshake and start-up ``STDERR_LAST``, one
request at a time, log messages while working, then ``STDERR_LAST`` and the answer or
``STDERR_ERROR``. :meth:`ServerConnection.serve` runs a whole connection against a
:class:`DaemonHandler`, the store-facing part a daemon supplies. :class:`UnixDaemonServer`
accepts connections on a Unix socket, one thread each.

Failures a handler raises as :class:`~nix_compat.errors.DaemonError` (or any other
:class:`~nix_compat.errors.NixCompatError`, such as a corrupt NAR) go to the client, which may
go on with other requests. A request that cannot be read (an unknown operation, a bad store
path) is answered with an error, then the connection is closed, as C++ Nix does: the rest of
the stream can no longer be trusted to be in step. So is a failure in the middle of sending a
NAR, which the client can only notice where the NAR breaks off.
"""

from __future__ import annotations

import socket
import socketserver
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Final, Protocol, TypeVar

from nix_compat.errors import DaemonError, NarError, NixCompatError, WireError
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath
from nix_compat.wire._nar_copy import copy_nar
from nix_compat.wire.handshake import (
    PROTOCOL_VERSION,
    Negotiated,
    ProtocolVersion,
    Trust,
    server_handshake,
)
from nix_compat.wire.messages import (
    AddTempRoot,
    AddToStoreNar,
    ClientSettings,
    IsValidPath,
    Missing,
    NarFromPath,
    QueryMissing,
    QueryPathFromHashPart,
    QueryPathInfo,
    QueryValidPaths,
    Request,
    SetOptions,
    ValidPathInfo,
    WireContext,
    read_request,
)
from nix_compat.wire.primitives import (
    BinaryReadable,
    BinaryWritable,
    FramedReader,
    WireReader,
    WireWriter,
)
from nix_compat.wire.stderr import ErrorInfo, Last, ReadRequest, StderrMessage, write_stderr

__all__ = ["DaemonHandler", "ServerConnection", "UnixDaemonServer"]

_FRAMED_NAR_SINCE: Final = ProtocolVersion(1, 23)
_SPOOL_IN_MEMORY: Final = 8 * 1024 * 1024

R = TypeVar("R")


class DaemonHandler(Protocol):
    """What a daemon does for each operation. Raise DaemonError to report a failure."""

    def is_valid_path(self, path: StorePath) -> bool: ...

    def query_path_info(self, path: StorePath) -> ValidPathInfo | None: ...

    def query_valid_paths(
        self, paths: frozenset[StorePath], substitute: bool
    ) -> Iterable[StorePath]: ...

    def query_path_from_hash_part(self, hash_part: str) -> StorePath | None: ...

    def nar_from_path(self, path: StorePath) -> Iterable[bytes]:
        """The NAR in pieces. Raising before the first piece reports a clean error."""
        ...

    def add_to_store_nar(
        self, info: ValidPathInfo, nar: BinaryReadable, repair: bool, dont_check_sigs: bool
    ) -> None:
        """Add a path; ``nar`` reads exactly its NAR, to be checked against ``info``."""
        ...

    def add_temp_root(self, path: StorePath) -> None: ...

    def set_options(self, settings: ClientSettings) -> None: ...

    def query_missing(self, targets: tuple[str, ...]) -> Missing: ...


class _TunnelSource:
    """The client's data for protocols before 1.23: asked for piece by piece (STDERR_READ)."""

    def __init__(self, conn: ServerConnection) -> None:
        self._conn = conn

    def read(self, n: int) -> bytes:
        self._conn.log(ReadRequest(n))
        self._conn.writer.flush()
        return self._conn.reader.read_bytes(max_len=n)


class ServerConnection:
    """One client connection, from the daemon's side."""

    def __init__(
        self,
        reader: BinaryReadable,
        writer: BinaryWritable,
        *,
        nix_version: str,
        trust: Trust = Trust.UNKNOWN,
        store_dir: str = DEFAULT_STORE_DIR,
        version: ProtocolVersion = PROTOCOL_VERSION,
        features: Iterable[str] = (),
    ) -> None:
        self.reader = WireReader(reader)
        self.writer = WireWriter(writer)
        self.negotiated: Negotiated = server_handshake(
            self.reader,
            self.writer,
            nix_version=nix_version,
            trust=trust,
            version=version,
            features=features,
        )
        self.ctx = WireContext(self.negotiated.version, store_dir)
        self.finish_log()

    # -- the low-level steps ---------------------------------------------------------------

    def read_request(self) -> Request[object] | None:
        """The next request, or None when the client hung up."""
        return read_request(self.reader, self.ctx)

    def log(self, message: StderrMessage) -> None:
        """Send a log message while an operation runs (buffered until the next flush)."""
        write_stderr(self.writer, message, self.ctx.version)

    def finish_log(self) -> None:
        """``STDERR_LAST``: the operation succeeded; its answer follows."""
        self.log(Last())
        self.writer.flush()

    def respond(self, request: Request[R], response: R) -> None:
        self.log(Last())
        request.write_response(self.writer, self.ctx, response)
        self.writer.flush()

    def fail(self, error: NixCompatError | ErrorInfo | str) -> None:
        """``STDERR_ERROR``: the operation failed with this message."""
        if isinstance(error, DaemonError):
            info = ErrorInfo(str(error), traces=error.traces, exit_status=error.exit_status)
        elif isinstance(error, ErrorInfo):
            info = error
        else:
            info = ErrorInfo(str(error))
        self.log(info)
        self.writer.flush()

    def nar_source(self) -> FramedReader | IO[bytes]:
        """The NAR that follows an AddToStoreNar request, as a readable stream."""
        if self.ctx.version >= _FRAMED_NAR_SINCE:
            return FramedReader(self.reader)
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
        try:
            copy_nar(WireReader(_TunnelSource(self)), spool.write)
        except NarError as e:
            spool.close()
            # Where the client's NAR would have ended is unknown: the stream is lost.
            raise WireError(f"bad NAR from the client: {e}") from e
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return spool

    # -- the whole connection --------------------------------------------------------------

    def serve(self, handler: DaemonHandler) -> None:
        """Answer requests until the client hangs up or the stream breaks."""
        while True:
            try:
                request = self.read_request()
            except WireError as e:
                self.fail(str(e))
                return
            if request is None:
                return
            if not self._perform(handler, request):
                return

    def _perform(self, handler: DaemonHandler, request: Request[object]) -> bool:
        """Run one request; False when the connection cannot go on."""
        try:
            match request:
                case NarFromPath(path):
                    return self._send_nar(handler.nar_from_path(path))
                case AddToStoreNar(info, repair, dont_check_sigs):
                    nar = self.nar_source()
                    try:
                        handler.add_to_store_nar(info, nar, repair, dont_check_sigs)
                    finally:
                        if isinstance(nar, FramedReader):
                            nar.drain()
                        else:
                            nar.close()
                    self.finish_log()
                case _:
                    self.respond(request, _answer(handler, request))
        except WireError as e:
            # The stream itself is broken or out of step: say so, and stop reading it.
            self.fail(str(e))
            return False
        except NixCompatError as e:
            # The handler refused (a DaemonError) or met bad data (a corrupt NAR...).
            self.fail(e)
        return True

    def _send_nar(self, pieces: Iterable[bytes]) -> bool:
        chunks: Iterator[bytes] = iter(pieces)
        first = next(chunks, b"")  # errors here still come before STDERR_LAST
        self.log(Last())
        self.writer.write_raw(first)
        try:
            for chunk in chunks:
                self.writer.write_raw(chunk)
        except DaemonError as e:
            # Too late for a clean answer: the client is reading a NAR. Like C++ Nix, send
            # the error where the NAR breaks off and hang up.
            self.fail(e)
            return False
        self.writer.flush()
        return True


def _answer(handler: DaemonHandler, request: Request[object]) -> object:
    """The handler's answer to a request whose response is a plain value."""
    match request:
        case IsValidPath(path):
            return handler.is_valid_path(path)
        case QueryPathInfo(path):
            return handler.query_path_info(path)
        case QueryValidPaths(paths, substitute):
            return frozenset(handler.query_valid_paths(paths, substitute))
        case QueryPathFromHashPart(hash_part):
            return handler.query_path_from_hash_part(hash_part)
        case AddTempRoot(path):
            handler.add_temp_root(path)
            return None
        case SetOptions(settings):
            handler.set_options(settings)
            return None
        case QueryMissing(targets):
            return handler.query_missing(targets)
    raise WireError(f"no handler for operation {request.OP.name}")


class UnixDaemonServer(socketserver.ThreadingUnixStreamServer):
    """A daemon on a Unix socket: each connection runs :meth:`ServerConnection.serve` on its
    own thread, with the handler ``make_handler`` returns for it.
    """

    daemon_threads = True

    def __init__(
        self,
        socket_path: str,
        make_handler: Callable[[], DaemonHandler],
        *,
        nix_version: str,
        trust: Trust = Trust.UNKNOWN,
        store_dir: str = DEFAULT_STORE_DIR,
    ) -> None:
        self.make_handler = make_handler
        self.nix_version = nix_version
        self.trust = trust
        self.store_dir = store_dir
        super().__init__(socket_path, _ConnectionHandler)


class _ConnectionHandler(socketserver.BaseRequestHandler):
    server: UnixDaemonServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        with sock.makefile("rb") as rfile, sock.makefile("wb") as wfile:
            try:
                conn = ServerConnection(
                    rfile,
                    wfile,
                    nix_version=self.server.nix_version,
                    trust=self.server.trust,
                    store_dir=self.server.store_dir,
                )
                conn.serve(self.server.make_handler())
            except (WireError, OSError):
                # The client broke the protocol or went away: nothing left to tell it.
                pass
