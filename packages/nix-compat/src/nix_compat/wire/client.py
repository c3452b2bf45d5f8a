"""A client of the Nix daemon: the greeting, then one operation at a time.

Each operation writes its request, reads the daemon's log stream up to ``STDERR_LAST`` (an
``STDERR_ERROR`` becomes a :class:`~nix_compat.errors.DaemonError` carrying the daemon's
message), then reads the answer. Log lines and activities go to ``on_log``, if given.

After an error the daemon reports while it was still reading a request (a malformed store
path, an unknown operation), it closes the connection, as C++ Nix's daemon does; a later call
then fails with a :class:`~nix_compat.errors.WireError` at the end of the stream.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Final, TypeVar

from nix_compat.errors import DaemonError, NarError, WireError
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath
from nix_compat.wire.handshake import PROTOCOL_VERSION, Negotiated, ProtocolVersion
from nix_compat.wire.handshake import client_handshake as _handshake
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
    write_request,
)
from nix_compat.wire.primitives import (
    BinaryReadable,
    BinaryWritable,
    FramedWriter,
    WireReader,
    WireWriter,
)
from nix_compat.wire.stderr import (
    ErrorInfo,
    Last,
    ReadRequest,
    StderrMessage,
    WriteData,
    read_stderr,
)

__all__ = ["DaemonClient", "LogHandler"]

#: Receives the daemon's log lines, activities and results while an operation runs.
LogHandler = Callable[[StderrMessage], None]

_FRAMED_NAR_SINCE: Final = ProtocolVersion(1, 23)
_CHUNK: Final = 64 * 1024

R = TypeVar("R")


class _BytesSource:
    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._pos = 0

    def read(self, n: int) -> bytes:
        chunk = bytes(self._view[self._pos : self._pos + n])
        self._pos += len(chunk)
        return chunk


class DaemonClient:
    """One connection to a daemon. Not thread-safe: use one client per thread."""

    def __init__(
        self,
        reader: BinaryReadable,
        writer: BinaryWritable,
        *,
        store_dir: str = DEFAULT_STORE_DIR,
        version: ProtocolVersion = PROTOCOL_VERSION,
        features: Iterable[str] = (),
        on_log: LogHandler | None = None,
        close: Callable[[], None] | None = None,
    ) -> None:
        self._reader = WireReader(reader)
        self._writer = WireWriter(writer)
        self._on_log = on_log
        self._close = close
        self._open = True
        try:
            self.negotiated: Negotiated = _handshake(
                self._reader, self._writer, version=version, features=features
            )
            self.ctx = WireContext(self.negotiated.version, store_dir)
            self._process_stderr()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_socket(
        cls,
        sock: socket.socket,
        *,
        store_dir: str = DEFAULT_STORE_DIR,
        version: ProtocolVersion = PROTOCOL_VERSION,
        features: Iterable[str] = (),
        on_log: LogHandler | None = None,
    ) -> DaemonClient:
        """Speak over a connected socket; closing the client closes it."""
        rfile = sock.makefile("rb")
        wfile = sock.makefile("wb")

        def close() -> None:
            for f in (rfile, wfile):
                with contextlib.suppress(OSError):
                    f.close()
            sock.close()

        return cls(
            rfile,
            wfile,
            store_dir=store_dir,
            version=version,
            features=features,
            on_log=on_log,
            close=close,
        )

    @classmethod
    def connect(
        cls,
        socket_path: str | os.PathLike[str],
        *,
        store_dir: str = DEFAULT_STORE_DIR,
        version: ProtocolVersion = PROTOCOL_VERSION,
        features: Iterable[str] = (),
        on_log: LogHandler | None = None,
    ) -> DaemonClient:
        """Connect to a daemon's Unix socket (``/nix/var/nix/daemon-socket/socket``...)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(os.fspath(socket_path))
        except OSError:
            sock.close()
            raise
        return cls.from_socket(
            sock, store_dir=store_dir, version=version, features=features, on_log=on_log
        )

    def close(self) -> None:
        self._open = False
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def __enter__(self) -> DaemonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the log stream --------------------------------------------------------------------

    def _process_stderr(
        self,
        source: BinaryReadable | None = None,
        sink: Callable[[bytes], object] | None = None,
    ) -> None:
        """Read the log stream until the operation succeeds (return) or fails (raise)."""
        while True:
            start = self._reader.offset
            message = read_stderr(self._reader, self.ctx.version)
            if isinstance(message, Last):
                return
            if isinstance(message, ErrorInfo):
                raise message.to_exception()
            if isinstance(message, ReadRequest):
                if source is None:
                    raise WireError("the daemon asked for data (STDERR_READ) unexpectedly", start)
                # "Up to length bytes": a smaller answer is as good, and the length is the
                # daemon's word, not to be passed to read() (OverflowError) or allocated.
                self._writer.write_bytes(source.read(min(message.length, _CHUNK)))
                self._writer.flush()
            elif isinstance(message, WriteData):
                if sink is None:
                    raise WireError("the daemon sent data (STDERR_WRITE) unexpectedly", start)
                sink(message.data)
            elif self._on_log is not None:
                self._on_log(message)

    def _send(self, request: Request[R], *, flush: bool = True) -> None:
        if not self._open:
            raise WireError("the connection to the daemon is closed")
        write_request(self._writer, request, self.ctx)
        if flush:
            self._writer.flush()

    @contextlib.contextmanager
    def _operation(self) -> Iterator[None]:
        """Close the connection when the stream breaks: nothing after it could be trusted."""
        try:
            yield
        except (WireError, NarError, OSError):
            self.close()
            raise

    def request(self, request: Request[R]) -> R:
        """Send any request whose answer comes right after the log stream."""
        with self._operation():
            self._send(request)
            self._process_stderr()
            return request.read_response(self._reader, self.ctx)

    # -- operations ------------------------------------------------------------------------

    def is_valid_path(self, path: StorePath) -> bool:
        return self.request(IsValidPath(path))

    def query_path_info(self, path: StorePath) -> ValidPathInfo | None:
        """The path's info, or None when it is not valid."""
        return self.request(QueryPathInfo(path))

    def query_valid_paths(
        self, paths: Iterable[StorePath], *, substitute: bool = False
    ) -> frozenset[StorePath]:
        return self.request(QueryValidPaths(frozenset(paths), substitute))

    def query_path_from_hash_part(self, hash_part: str) -> StorePath | None:
        return self.request(QueryPathFromHashPart(hash_part))

    def add_temp_root(self, path: StorePath) -> None:
        self.request(AddTempRoot(path))

    def set_options(self, settings: ClientSettings | None = None) -> None:
        self.request(SetOptions(settings or ClientSettings()))

    def query_missing(self, targets: Iterable[str]) -> Missing:
        return self.request(QueryMissing(tuple(targets)))

    def nar_from_path_to(self, path: StorePath, sink: Callable[[bytes], object]) -> int:
        """Stream the NAR of ``path`` into ``sink`` piece by piece; return its size.

        If the daemon fails once the NAR has begun, it hangs up; so does this client.
        """
        with self._operation():
            self._send(NarFromPath(path))
            self._process_stderr()
            try:
                return NarFromPath.copy_response(self._reader, self.ctx, sink)
            except DaemonError:
                self.close()
                raise

    def nar_from_path(self, path: StorePath) -> bytes:
        parts: list[bytes] = []
        self.nar_from_path_to(path, parts.append)
        return b"".join(parts)

    def add_to_store_nar(
        self,
        info: ValidPathInfo,
        nar: bytes | BinaryReadable,
        *,
        repair: bool = False,
        dont_check_sigs: bool = False,
    ) -> None:
        """Add ``info.path`` with the given NAR (bytes or a readable stream of exactly it).

        The daemon checks the NAR against ``info.nar_hash`` and ``info.nar_size`` and, unless
        ``dont_check_sigs`` is honoured (trusted clients only), the signatures. Its log is read
        once the whole NAR is sent, so keep its verbosity low for very large NARs.
        """
        source = _BytesSource(nar) if isinstance(nar, bytes) else nar
        with self._operation():
            self._send(AddToStoreNar(info, repair, dont_check_sigs), flush=False)
            if self.ctx.version >= _FRAMED_NAR_SINCE:
                with FramedWriter(self._writer) as framed:
                    while chunk := source.read(_CHUNK):
                        framed.write(chunk)
                self._process_stderr()
            else:
                self._writer.flush()
                self._process_stderr(source=source)
