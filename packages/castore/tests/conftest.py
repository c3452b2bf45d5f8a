"""Servers the castore tests start for themselves, on loopback or a Unix socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.server import RunningServer, serve


@pytest.fixture
def memory_server(
    tmp_path: Path,
) -> Iterator[tuple[RunningServer, MemoryBlobService, MemoryDirectoryService]]:
    """A gRPC server over memory services, on a Unix socket in the test's folder."""
    blobs, dirs = MemoryBlobService(), MemoryDirectoryService()
    running = serve(blobs, dirs, f"unix:{tmp_path / 'castore.sock'}")
    yield running, blobs, dirs
    running.stop(0)
