"""``bwrap://``: builds in a bubblewrap sandbox on this machine.

The sandbox's file system is made from the request alone: its inputs written out from castore
under ``inputs_dir`` (each read-only, even where that folder is writable), its scratch paths
writable, its additional files, ``/etc/passwd``, ``/etc/group`` and ``/etc/hosts`` as Nix
writes them for its build user (uid 1000, gid 100), ``/dev``, ``/proc`` and a private ``/tmp``;
nothing of the host unless the request's constraints ask for it (a ``/bin/sh``, read-only host
paths, the network). The builder runs in new namespaces of every kind (the network's kept only
for ``network_access``), dies with us, in a session of its own, with exactly the request's
environment. Its outputs are then imported into castore, scanned for the request's needles,
and the whole build folder removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tvix_build.errors import BuildError, BuildFailed
from tvix_build.refscan import scan_tree
from tvix_build.request import Build, BuildRequest

if TYPE_CHECKING:
    from tvix_castore.blobs.service import BlobService
    from tvix_castore.directories.service import DirectoryService

__all__ = ["BUILD_GROUP", "BUILD_USER", "BwrapBuildService", "bin_sh"]

#: The builder's user and group, as Nix's sandbox has them.
BUILD_USER: Final = 1000
BUILD_GROUP: Final = 100
_PASSWD: Final = (
    "root:x:0:0:Nix build user:/build:/noshell\n"
    f"nixbld:x:{BUILD_USER}:{BUILD_GROUP}:Nix build user:/build:/noshell\n"
    "nobody:x:65534:65534:Nobody:/:/noshell\n"
)
_GROUP: Final = f"root:x:0:\nnixbld:!:{BUILD_GROUP}:\nnogroup:x:65534:\n"
_HOSTS: Final = "127.0.0.1 localhost\n::1 localhost\n"


def bin_sh() -> str | None:
    """The shell provided as ``/bin/sh`` when a request asks for one: a static busybox,
    which needs nothing else from the host."""
    for candidate in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(candidate):
            return candidate
    return None


class BwrapBuildService:
    """Builds with ``bwrap`` (bubblewrap), reading inputs from and writing outputs to the
    given castore services."""

    def __init__(self, blobs: BlobService, directories: DirectoryService, *, bwrap: str = "bwrap"):
        self.blobs = blobs
        self.directories = directories
        self.bwrap = shutil.which(bwrap) or bwrap

    def close(self) -> None:
        pass

    def do_build(self, request: BuildRequest) -> Build:
        with _build_folder() as top:
            root = top / "root"
            self._lay_out(request, top, root)
            self._run(request, top, root)
            return self._collect(request, root)

    # -- before -------------------------------------------------------------------------------

    def _lay_out(self, request: BuildRequest, top: Path, root: Path) -> None:
        from tvix_castore.checkout import checkout

        inputs = root / request.inputs_dir
        inputs.mkdir(parents=True)
        for name, node in request.inputs.items():
            checkout(node, os.path.join(os.fsencode(inputs), name), self.blobs, self.directories)
        for path in request.scratch_paths:
            (root / path).mkdir(parents=True, exist_ok=True)
        (root / request.working_dir).mkdir(parents=True, exist_ok=True)
        for path, contents in request.additional_files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(contents)
        etc = top / "etc"
        etc.mkdir()
        (etc / "passwd").write_text(_PASSWD)
        (etc / "group").write_text(_GROUP)
        (etc / "hosts").write_text(_HOSTS)

    def _arguments(self, request: BuildRequest, top: Path, root: Path) -> list[str]:
        c = request.constraints
        args = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
        if c.network_access:
            args.append("--share-net")
        args += ["--uid", str(BUILD_USER), "--gid", str(BUILD_GROUP)]
        args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        for name in ("passwd", "group", "hosts"):
            args += ["--ro-bind", str(top / "etc" / name), f"/etc/{name}"]
        if c.network_access and os.path.exists("/etc/resolv.conf"):
            args += ["--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"]
        writable = set(request.scratch_paths)
        if request.inputs_dir not in writable:
            args += ["--ro-bind", str(root / request.inputs_dir), f"/{request.inputs_dir}"]
        for path in sorted(writable | {request.working_dir}):
            args += ["--bind", str(root / path), f"/{path}"]
        # Inputs stay read-only where their folder is writable (Nix builds write outputs
        # next to their inputs in /nix/store).
        for input_name in request.inputs:
            shown = os.fsdecode(input_name)
            inside = f"/{request.inputs_dir}/{shown}"
            args += ["--ro-bind", str(root / request.inputs_dir / shown), inside]
        for path in request.additional_files:
            args += ["--ro-bind", str(root / path), f"/{path}"]
        for path in c.available_ro_paths:
            args += ["--ro-bind", path, path]
        if c.provide_bin_sh:
            shell = bin_sh()
            if shell is None:
                raise BuildError("the build asks for /bin/sh, and this host has no busybox")
            args += ["--ro-bind", shell, "/bin/sh"]
        # The root itself (bubblewrap's tmpfs) is not for writing, as Nix's chroot is not.
        args += ["--remount-ro", "/"]
        args += ["--chdir", f"/{request.working_dir}", "--clearenv"]
        for key, value in request.environment.items():
            args += ["--setenv", key, os.fsdecode(value)]
        return [*args, "--", *request.command_args]

    # -- during -------------------------------------------------------------------------------

    def _run(self, request: BuildRequest, top: Path, root: Path) -> None:
        argv = self._arguments(request, top, root)
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise BuildError(f"cannot run bubblewrap ({self.bwrap}): {exc.strerror}") from None
        try:
            log, _ = process.communicate()
        except BaseException:
            # Interrupted: the whole sandbox goes (its processes are in our session's group).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        if process.returncode != 0:
            # bubblewrap exits with 128 + the signal that killed the builder, as shells do.
            status = process.returncode
            if status > 128:
                status = -(status - 128)
            how = (
                f"was killed by signal {-status}"
                if status < 0
                else f"failed with exit code {status}"
            )
            raise BuildFailed(f"builder {request.command_args[0]!r} {how}", status=status, log=log)

    # -- after --------------------------------------------------------------------------------

    def _collect(self, request: BuildRequest, root: Path) -> Build:
        from tvix_castore.errors import CastoreError
        from tvix_castore.ingest import ingest_path

        outputs = []
        found = []
        for path in request.outputs:
            produced = root / path
            if not os.path.lexists(produced):
                raise BuildFailed(f"the builder did not produce the output '/{path}'")
            try:
                outputs.append(ingest_path(produced, self.blobs, self.directories))
            except CastoreError as exc:
                raise BuildFailed(f"output '/{path}' cannot be stored: {exc}") from None
            found.append(scan_tree(produced, request.refscan_needles))
        return Build(request, tuple(outputs), tuple(found))


@contextlib.contextmanager
def _build_folder() -> Iterator[Path]:
    """A folder for one build, removed after it whatever the build left read-only."""
    top = Path(tempfile.mkdtemp(prefix="tvix-build-"))
    try:
        yield top
    finally:
        for folder, _, _ in os.walk(top):
            with contextlib.suppress(OSError):
                os.chmod(folder, stat.S_IRWXU)
        shutil.rmtree(top, ignore_errors=True)
