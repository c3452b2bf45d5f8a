"""Builds in the bubblewrap sandbox (``bwrap://``), with a static busybox as the builder: what
the builder sees (its user, its environment, its files and nothing else of the host), what it
may not do (write outside its outputs and scratch paths, reach the network unless the request
allows it), what is collected (outputs in castore, references found), and failures (an exit
status, a signal, an output not produced), each one clear error with the builder's log."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator

import pytest
from build_support import OUT, Castore, request
from tvix_build.buildservice.bwrap import BwrapBuildService
from tvix_build.buildservice.registration import build_service_from_url
from tvix_build.errors import BuildError, BuildFailed
from tvix_build.request import BuildConstraints
from tvix_castore.errors import CompositionError
from tvix_castore.nodes import DirectoryNode, FileNode

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="no bubblewrap here (Debian: bubblewrap)"
)


@pytest.fixture
def sandbox(castore: Castore) -> BwrapBuildService:
    return BwrapBuildService(castore.blobs, castore.directories)


def _text(castore: Castore, node: object) -> str:
    assert isinstance(node, FileNode)
    with castore.blobs.open_read(node.digest) as f:
        return f.read().decode()


def _run(sandbox: BwrapBuildService, castore: Castore, script: str, **options: object) -> str:
    build = sandbox.do_build(request(castore, f"{{ {script}; }} > $out 2>&1", **options))
    return _text(castore, build.outputs[0])


def test_the_builder_runs_as_nix_build_user_in_build(
    sandbox: BwrapBuildService, castore: Castore
) -> None:
    seen = _run(sandbox, castore, "$bb id -u; $bb id -g; echo $PWD; $bb cat /etc/passwd /etc/group")
    assert seen == (
        "1000\n100\n/build\n"
        "root:x:0:0:Nix build user:/build:/noshell\n"
        "nixbld:x:1000:100:Nix build user:/build:/noshell\n"
        "nobody:x:65534:65534:Nobody:/:/noshell\n"
        "root:x:0:\nnixbld:!:100:\nnogroup:x:65534:\n"
    )


def test_the_environment_is_exactly_the_requests(
    sandbox: BwrapBuildService, castore: Castore
) -> None:
    seen = _run(sandbox, castore, "$bb env | $bb sort", environment={"GREETING": b"hi there"})
    names = [line.split("=", 1)[0] for line in seen.splitlines()]
    # busybox's sh adds PWD and SHLVL of its own; nothing comes from the host.
    assert set(names) - {"PWD", "SHLVL"} == {"GREETING", "HOME", "PATH", "bb", "out"}
    assert "GREETING=hi there" in seen.splitlines()


def test_only_the_requests_files_are_there(sandbox: BwrapBuildService, castore: Castore) -> None:
    seen = _run(sandbox, castore, "$bb ls / /nix/store; $bb ls /bin 2>&1 || true")
    assert seen.split("\n\n")[0] == "/:\nbuild\ndev\netc\nnix\nproc\ntmp"
    assert "ls: /bin: No such file or directory" in seen


def test_bin_sh_is_there_when_asked_for(sandbox: BwrapBuildService, castore: Castore) -> None:
    constraints = BuildConstraints("x86_64-linux", provide_bin_sh=True)
    assert _run(sandbox, castore, "/bin/sh -c 'echo from /bin/sh'", constraints=constraints) == (
        "from /bin/sh\n"
    )


@pytest.mark.parametrize(
    "target",
    ["/nix/store/0c7k0kcs5dinz7mrkg0gbmcd8jz7i0wb-busybox/new", "/etc/passwd", "/new", "/proc/x"],
)
def test_writes_outside_outputs_and_scratch_paths_fail(
    sandbox: BwrapBuildService, castore: Castore, target: str
) -> None:
    seen = _run(sandbox, castore, f"echo x > {target} && echo written || echo refused")
    assert seen.endswith("refused\n"), seen


@pytest.fixture
def listener() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"reached\n")
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def test_the_network_is_unreachable_unless_allowed(
    sandbox: BwrapBuildService, castore: Castore, listener: int
) -> None:
    probe = f"$bb nc 127.0.0.1 {listener} </dev/null || echo unreachable"
    seen = _run(sandbox, castore, probe)
    assert seen.endswith("unreachable\n") and "reached\n" not in seen.replace("unreachable", "")
    allowed = BuildConstraints("x86_64-linux", network_access=True)
    assert _run(sandbox, castore, probe, constraints=allowed) == "reached\n"


def test_outputs_are_collected_with_the_references_found(
    sandbox: BwrapBuildService, castore: Castore
) -> None:
    dev = "nix/store/02qcpld1y6xhs5gz9bchpxaw0xdhmsp5-out-dev"
    script = (
        f"$bb mkdir -p $out/bin /{dev}; echo $bb > $out/bin/uses-busybox; "
        f"$bb ln -s /{dev} $out/link-to-dev; echo plain > /{dev}/file"
    )
    build = sandbox.do_build(
        request(
            castore,
            script,
            outputs=(dev, OUT),
            environment={"out": f"/{OUT}".encode()},
            refscan_needles=(
                "0c7k0kcs5dinz7mrkg0gbmcd8jz7i0wb",
                "02qcpld1y6xhs5gz9bchpxaw0xdhmsp5",
            ),
        )
    )
    assert isinstance(build.outputs[0], DirectoryNode)
    assert isinstance(build.outputs[1], DirectoryNode)
    assert build.outputs_needles == (frozenset(), frozenset({0, 1}))
    listed = castore.directories.get(build.outputs[1].digest)
    assert listed is not None and sorted(listed) == [b"bin", b"link-to-dev"]


def test_a_failing_builder_is_one_error_with_its_log(
    sandbox: BwrapBuildService, castore: Castore
) -> None:
    with pytest.raises(BuildFailed) as failed:
        sandbox.do_build(request(castore, "echo going wrong; exit 3"))
    assert failed.value.status == 3
    assert failed.value.log == b"going wrong\n"
    assert "failed with exit code 3" in str(failed.value)


def test_a_builder_killed_by_a_signal_says_so(sandbox: BwrapBuildService, castore: Castore) -> None:
    with pytest.raises(BuildFailed, match="killed by signal 9"):
        sandbox.do_build(request(castore, "$bb kill -9 $$"))


def test_an_output_not_produced_fails_the_build(
    sandbox: BwrapBuildService, castore: Castore
) -> None:
    with pytest.raises(BuildFailed, match=f"did not produce the output '/{OUT}'"):
        sandbox.do_build(request(castore, "true"))


def test_services_from_urls(castore: Castore) -> None:
    assert isinstance(
        build_service_from_url("bwrap://", "memory://", "memory://"), BwrapBuildService
    )
    dummy = build_service_from_url("dummy://", "memory://", "memory://")
    with pytest.raises(BuildError, match="dummy://, which builds nothing"):
        dummy.do_build(request(castore, "true"))
    with pytest.raises(CompositionError, match="takes no host"):
        build_service_from_url("bwrap://somewhere", "memory://", "memory://")
    with pytest.raises(CompositionError, match="unknown build service scheme"):
        build_service_from_url("chroot://", "memory://", "memory://")
