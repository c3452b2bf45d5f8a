"""Helpers for the daemon protocol tests: the reference daemon, NARs, an in-memory store.

Loaded by path from the ``test_wire_*`` modules (tests are imported with importlib), which
re-export the fixtures they use.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.errors import DaemonError
from nix_compat.hash import NixHash
from nix_compat.nar import Regular, hash_nar, nar_bytes
from nix_compat.store_path import StorePath, make_source_path
from nix_compat.wire.client import DaemonClient
from nix_compat.wire.handshake import PROTOCOL_VERSION, ProtocolVersion, Trust
from nix_compat.wire.messages import ClientSettings, Missing, ValidPathInfo
from nix_compat.wire.primitives import BinaryReadable
from nix_compat.wire.server import ServerConnection, UnixDaemonServer

# -- content -----------------------------------------------------------------------------------


def unique_bytes(label: str) -> bytes:
    """Content no other test (nor an earlier run: the reference store is shared) has added."""
    return f"nix-compat wire test {label} {uuid.uuid4()}\n".encode()


def file_nar(contents: bytes) -> bytes:
    return nar_bytes(Regular(contents))


def source_info(name: str, nar: bytes, **fields: Any) -> ValidPathInfo:
    """The info of a path as ``nix-store --add`` makes it: addressed by its NAR's sha256."""
    nar_hash = NixHash.of_bytes("sha256", nar)
    path = make_source_path(name, nar_hash)
    ca = ContentAddress(ContentAddressMethod.NAR, nar_hash)
    return ValidPathInfo(path, nar_hash, len(nar), ca=ca, **fields)


# -- the reference daemon ---------------------------------------------------------------------


@dataclass
class ReferenceDaemon:
    """A reference ``nix-daemon`` listening on ``socket_path``, in its own process group."""

    socket_path: Path
    process: subprocess.Popen[bytes]

    def connect(self, **options: Any) -> DaemonClient:
        return DaemonClient.connect(self.socket_path, **options)

    def env(self) -> dict[str, str]:
        """The environment that points reference clients at this daemon."""
        return dict(os.environ, NIX_REMOTE=f"unix://{self.socket_path}")


def start_reference_daemon(command: list[str], directory: Path) -> ReferenceDaemon:
    socket_path = directory / "socket"
    process = subprocess.Popen(
        command,
        env=dict(os.environ, NIX_DAEMON_SOCKET_PATH=str(socket_path)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so that stopping it also stops the daemon inside the sandbox
    )
    deadline = time.monotonic() + 60  # the oracle may install itself first
    while True:
        if process.poll() is not None:
            raise AssertionError(f"reference nix-daemon exited with {process.returncode}")
        if socket_path.exists() and _accepts(socket_path):
            return ReferenceDaemon(socket_path, process)
        if time.monotonic() > deadline:
            stop_reference_daemon(ReferenceDaemon(socket_path, process))
            raise AssertionError("reference nix-daemon did not start listening")
        time.sleep(0.02)


def _accepts(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def stop_reference_daemon(daemon: ReferenceDaemon) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(daemon.process.pid, signal.SIGTERM)
    try:
        daemon.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(daemon.process.pid, signal.SIGKILL)
        daemon.process.wait()


@pytest.fixture(scope="session")
def reference_daemon(
    oracle: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReferenceDaemon]:
    daemon = start_reference_daemon(
        oracle.command("nix-daemon"), tmp_path_factory.mktemp("wire-daemon")
    )
    try:
        yield daemon
    finally:
        stop_reference_daemon(daemon)


# -- an in-memory store behind our server ------------------------------------------------------


@dataclass
class MemoryStore:
    """A tiny store for our server: path infos and NARs in dictionaries."""

    infos: dict[StorePath, ValidPathInfo] = field(default_factory=dict)
    nars: dict[StorePath, bytes] = field(default_factory=dict)
    temp_roots: set[StorePath] = field(default_factory=set)
    settings: list[ClientSettings] = field(default_factory=list)

    def add(self, info: ValidPathInfo, nar: bytes) -> None:
        self.infos[info.path] = info
        self.nars[info.path] = nar

    # DaemonHandler

    def is_valid_path(self, path: StorePath) -> bool:
        return path in self.infos

    def query_path_info(self, path: StorePath) -> ValidPathInfo | None:
        return self.infos.get(path)

    def query_valid_paths(
        self, paths: frozenset[StorePath], substitute: bool
    ) -> Iterable[StorePath]:
        return paths & self.infos.keys()

    def query_path_from_hash_part(self, hash_part: str) -> StorePath | None:
        return next((p for p in self.infos if p.hash_part == hash_part), None)

    def nar_from_path(self, path: StorePath) -> Iterable[bytes]:
        if path not in self.nars:
            raise DaemonError(f"path '{path.to_absolute_path()}' is not valid")
        nar = self.nars[path]
        return [nar[i : i + 100] for i in range(0, len(nar), 100)]

    def add_to_store_nar(
        self, info: ValidPathInfo, nar: BinaryReadable, repair: bool, dont_check_sigs: bool
    ) -> None:
        data = b"".join(iter(lambda: nar.read(7), b""))
        digest = hash_nar(io.BytesIO(data))  # a corrupt NAR raises NarError
        if digest.hash != info.nar_hash or digest.size != info.nar_size:
            raise DaemonError(f"hash mismatch importing path '{info.path.to_absolute_path()}'")
        self.add(info, data)

    def add_temp_root(self, path: StorePath) -> None:
        self.temp_roots.add(path)

    def set_options(self, settings: ClientSettings) -> None:
        self.settings.append(settings)

    def query_missing(self, targets: tuple[str, ...]) -> Missing:
        unknown = set()
        for target in targets:
            path = StorePath.from_absolute_path(target.partition("!")[0])
            if path not in self.infos:
                unknown.add(path)
        return Missing(unknown=frozenset(unknown))


@dataclass
class PairedConnection:
    """Our client and our server, talking over a socket pair."""

    client: DaemonClient
    thread: threading.Thread
    errors: list[BaseException]


def connect_pair(
    store: MemoryStore,
    *,
    client_version: ProtocolVersion = PROTOCOL_VERSION,
    server_version: ProtocolVersion = PROTOCOL_VERSION,
    trust: Trust = Trust.TRUSTED,
    on_log: Callable[[object], None] | None = None,
) -> PairedConnection:
    """Start our server on one end of a socket pair (in a thread) and our client on the other."""
    ours, theirs = socket.socketpair()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with theirs, theirs.makefile("rb") as rfile, theirs.makefile("wb") as wfile:
                conn = ServerConnection(
                    rfile, wfile, nix_version="2.26.3", trust=trust, version=server_version
                )
                conn.serve(store)
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    client = DaemonClient.from_socket(ours, version=client_version, on_log=on_log)
    return PairedConnection(client, thread, errors)


@pytest.fixture
def unix_server(tmp_path: Path) -> Iterator[tuple[Path, MemoryStore]]:
    """Our server on a Unix socket under tmp_path, serving one MemoryStore."""
    store = MemoryStore()
    socket_path = tmp_path / "socket"
    server = UnixDaemonServer(
        str(socket_path), lambda: store, nix_version="2.26.3", trust=Trust.TRUSTED
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield socket_path, store
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
