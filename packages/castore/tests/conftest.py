"""Servers the castore tests start for themselves, on loopback or a Unix socket; test
helpers of this folder (non-test modules beside the tests) import by name."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.server import RunningServer, serve

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def memory_server(
    tmp_path: Path,
) -> Iterator[tuple[RunningServer, MemoryBlobService, MemoryDirectoryService]]:
    """A gRPC server over memory services, on a Unix socket in the test's folder."""
    blobs, dirs = MemoryBlobService(), MemoryDirectoryService()
    running = serve(blobs, dirs, f"unix:{tmp_path / 'castore.sock'}")
    yield running, blobs, dirs
    running.stop(0)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's) on loopback, with an empty bucket "castore"."""
    import boto3  # type: ignore[import-untyped]
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="castore")
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def s3_url(s3_endpoint: str) -> Callable[[str], str]:
    """Makes objectstore+s3 URLs for the moto server, each under the prefix given."""

    def make(prefix: str) -> str:
        return (
            f"objectstore+s3://castore/{prefix}?endpoint={s3_endpoint}&region=us-east-1"
            "&access_key_id=test&secret_access_key=test&allow_http=true"
        )

    return make
