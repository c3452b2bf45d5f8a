"""A static busybox in castore, and requests that run it, for the build tests."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from tvix_build.request import BuildConstraints, BuildRequest
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.ingest import ingest_path
from tvix_castore.nodes import Node

__all__ = ["BUSYBOX_NAME", "Castore", "castore_with_busybox", "request"]

#: The input's name: a store path base name, as Nix builds name their inputs.
BUSYBOX_NAME = b"0c7k0kcs5dinz7mrkg0gbmcd8jz7i0wb-busybox"
OUT = "nix/store/1rz4g4znpzjwh1xymhjpm42vipw92pr7-out"


@dataclass
class Castore:
    blobs: MemoryBlobService
    directories: MemoryDirectoryService
    busybox: Node


def castore_with_busybox() -> Castore:
    found = shutil.which("busybox")
    if found is None:
        pytest.skip("no busybox here (Debian: busybox-static; .ci/run installs it)")
    blobs, directories = MemoryBlobService(), MemoryDirectoryService()
    # As a package: bin/busybox, so that busybox, seeing its own name, runs the applet its
    # first argument names.
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "bin").mkdir()
        shutil.copy(found, Path(scratch) / "bin" / "busybox")
        return Castore(blobs, directories, ingest_path(scratch, blobs, directories))


def request(
    castore: Castore,
    script: str,
    *,
    outputs: tuple[str, ...] = (OUT,),
    environment: dict[str, bytes] | None = None,
    **options: object,
) -> BuildRequest:
    """A request running ``script`` with busybox's sh, as a Nix build is laid out."""
    busybox = f"/nix/store/{BUSYBOX_NAME.decode()}/bin/busybox"
    env = {
        "out": f"/{outputs[0]}".encode(),
        "bb": busybox.encode(),  # scripts run busybox's applets as "$bb mkdir ..."
        "PATH": b"/path-not-set",
        "HOME": b"/homeless-shelter",
    }
    env.update(environment or {})
    constraints = options.pop("constraints", BuildConstraints("x86_64-linux"))
    return BuildRequest(
        inputs={BUSYBOX_NAME: castore.busybox},
        command_args=(busybox, "sh", "-c", script),
        working_dir="build",
        scratch_paths=("build", "nix/store"),
        inputs_dir="nix/store",
        outputs=outputs,
        environment=env,
        constraints=constraints,  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
