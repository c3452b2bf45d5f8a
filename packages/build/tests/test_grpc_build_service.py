"""The build service over gRPC: a real server on a Unix socket (in the test, and the
``tvix-build daemon`` command), our client against it; builds, failures with their logs,
requests the server refuses, and bytes that are no request."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from build_support import Castore, request
from tvix_build.buildservice.bwrap import BwrapBuildService
from tvix_build.buildservice.grpc import GrpcBuildService, add_build_service
from tvix_build.buildservice.registration import build_service_from_url
from tvix_build.errors import BuildFailed
from tvix_castore.grpc_channel import channel_from_url, make_server
from tvix_castore.ingest import ingest_path
from tvix_castore.nodes import FileNode
from tvix_castore.server import start

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="no bubblewrap here (Debian: bubblewrap)"
)


@pytest.fixture
def client(castore: Castore, tmp_path: Path) -> Iterator[GrpcBuildService]:
    server = make_server()
    add_build_service(server, BwrapBuildService(castore.blobs, castore.directories))
    running = start(server, f"unix://{tmp_path}/build.sock")
    service = GrpcBuildService(channel_from_url(running.url), where=running.url)
    yield service
    service.close()
    running.stop()


def test_a_build_over_grpc_is_the_local_ones(client: GrpcBuildService, castore: Castore) -> None:
    made = request(castore, "echo over the wire > $out")
    build = client.do_build(made)
    local = BwrapBuildService(castore.blobs, castore.directories).do_build(made)
    assert build == local
    assert isinstance(build.outputs[0], FileNode)


def test_a_failed_build_comes_back_with_its_log(client: GrpcBuildService, castore: Castore) -> None:
    with pytest.raises(BuildFailed, match="failed with exit code 4") as failed:
        client.do_build(request(castore, "echo broken; exit 4"))
    assert failed.value.log == b"broken\n"


def test_bad_requests_are_refused_by_the_server(
    client: GrpcBuildService, castore: Castore, tmp_path: Path
) -> None:
    channel = grpc.insecure_channel(f"unix:{tmp_path}/build.sock")
    call = channel.unary_unary("/tvix.build.v1.BuildService/DoBuild")
    msg = request(castore, "true").to_proto()
    msg.inputs.append(msg.inputs[0])
    for payload in (msg.SerializeToString(), b"\xff\xff\xff not a message"):
        with pytest.raises(grpc.RpcError) as refused:
            call(payload)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    channel.close()


def test_the_daemon_command_serves_builds(tmp_path: Path) -> None:
    if shutil.which("busybox") is None:
        pytest.skip("no busybox here (Debian: busybox-static; .ci/run installs it)")
    blobs = f"objectstore+file://{tmp_path}/blobs"
    directories = f"sqlite://{tmp_path}/directories.sqlite"
    socket = tmp_path / "daemon.sock"
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tvix_build",
            "daemon",
            "--listen-address",
            f"unix://{socket}",
            "--blob-service-addr",
            blobs,
            "--directory-service-addr",
            directories,
        ],
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(200):
            if socket.exists():
                break
            time.sleep(0.05)
        client = build_service_from_url(f"grpc+unix://{socket}", blobs, directories)
        from tvix_castore.composition import blob_service_from_url, directory_service_from_url

        castore = _shared_castore(
            blob_service_from_url(blobs), directory_service_from_url(directories), tmp_path
        )
        build = client.do_build(request(castore, "echo from the daemon > $out"))
        node = build.outputs[0]
        assert isinstance(node, FileNode)
        with castore.blobs.open_read(node.digest) as f:
            assert f.read() == b"from the daemon\n"
        client.close()
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, err
    assert b"Traceback" not in err


def _shared_castore(blobs: object, directories: object, tmp_path: Path) -> Castore:
    """Busybox in the castore the daemon builds from."""
    package = tmp_path / "bb"
    (package / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox") or "", package / "bin" / "busybox")
    node = ingest_path(package, blobs, directories)  # type: ignore[arg-type]
    return Castore(blobs, directories, node)  # type: ignore[arg-type]
