"""Build requests and builds: the model of ``tvix.build.v1`` (``protos/build.proto``), with its
rules checked when one is made (clean relative paths, sorted lists, no ``=`` in a variable's
name), so that a request read from the wire is refused before anything runs.

A request is what a sandbox needs and nothing Nix-specific: inputs as castore nodes named by
their store path base names, the command, the environment, the paths to keep writable and
those to collect as outputs. tvix-glue turns a derivation into one.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tvix_castore.errors import NodeError
from tvix_castore.nodes import Node, check_name, node_from_proto, node_to_proto

from tvix_build.errors import RequestError
from tvix_build.protos import build_pb2 as pb

__all__ = ["Build", "BuildConstraints", "BuildRequest"]


def _clean_relative(path: str, where: str) -> str:
    if not path or path.startswith("/") or posixpath.normpath(path) != path or path == ".":
        raise RequestError(where, f"{path!r} is not a clean relative path")
    if path.split("/")[0] == "..":
        raise RequestError(where, f"{path!r} leaves the build root")
    return path


def _clean_absolute(path: str, where: str) -> str:
    if not path.startswith("/") or posixpath.normpath(path) != path or path.startswith("//"):
        raise RequestError(where, f"{path!r} is not a clean absolute path")
    return path


def _sorted(items: Iterable[str], where: str) -> None:
    listed = list(items)
    if listed != sorted(set(listed)):
        raise RequestError(where, "must be sorted, without repeats")


@dataclass(frozen=True)
class BuildConstraints:
    """What a host must offer: the system, memory, host paths shown read-only, network
    access (fixed-output derivations), a ``/bin/sh``."""

    system: str
    min_memory: int = 0
    available_ro_paths: tuple[str, ...] = ()
    network_access: bool = False
    provide_bin_sh: bool = False

    def __post_init__(self) -> None:
        if not self.system:
            raise RequestError("constraints.system", "must not be empty")
        if not 0 <= self.min_memory < 2**64:
            raise RequestError("constraints.min_memory", "must be an unsigned 64-bit number")
        object.__setattr__(self, "available_ro_paths", tuple(self.available_ro_paths))
        for i, path in enumerate(self.available_ro_paths):
            _clean_absolute(path, f"constraints.available_ro_paths[{i}]")
        _sorted(self.available_ro_paths, "constraints.available_ro_paths")


@dataclass(frozen=True)
class BuildRequest:
    """What to run, on what (see ``protos/build.proto``). ``inputs`` maps names (store path
    base names, for Nix) to castore nodes; ``environment`` and ``additional_files`` map
    names and paths to bytes."""

    inputs: Mapping[bytes, Node]
    command_args: tuple[str, ...]
    working_dir: str
    scratch_paths: tuple[str, ...]
    inputs_dir: str
    outputs: tuple[str, ...]
    environment: Mapping[str, bytes]
    constraints: BuildConstraints
    additional_files: Mapping[str, bytes] = field(default_factory=dict)
    refscan_needles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", dict(sorted(self.inputs.items())))
        for name in self.inputs:
            try:
                check_name(name)
            except NodeError as exc:
                raise RequestError(f"inputs[{name!r}]", str(exc)) from None
        for attr in ("command_args", "scratch_paths", "outputs", "refscan_needles"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        if not self.command_args:
            raise RequestError("command_args", "must name a program")
        _clean_relative(self.working_dir, "working_dir")
        _clean_relative(self.inputs_dir, "inputs_dir")
        for attr in ("scratch_paths", "outputs"):
            for i, path in enumerate(getattr(self, attr)):
                _clean_relative(path, f"{attr}[{i}]")
            _sorted(getattr(self, attr), attr)
        object.__setattr__(self, "environment", dict(sorted(self.environment.items())))
        for key in self.environment:
            if not key or "=" in key or "\0" in key:
                raise RequestError(f"environment_vars[{key!r}]", "not a variable name")
        object.__setattr__(self, "additional_files", dict(sorted(self.additional_files.items())))
        for path in self.additional_files:
            _clean_relative(path, f"additional_files[{path!r}]")

    def to_proto(self) -> pb.BuildRequest:
        c = self.constraints
        return pb.BuildRequest(
            inputs=[node_to_proto(node, name) for name, node in self.inputs.items()],
            command_args=list(self.command_args),
            working_dir=self.working_dir,
            scratch_paths=list(self.scratch_paths),
            inputs_dir=self.inputs_dir,
            outputs=list(self.outputs),
            environment_vars=[
                pb.BuildRequest.EnvVar(key=k, value=v) for k, v in self.environment.items()
            ],
            constraints=pb.BuildRequest.BuildConstraints(
                system=c.system,
                min_memory=c.min_memory,
                available_ro_paths=list(c.available_ro_paths),
                network_access=c.network_access,
                provide_bin_sh=c.provide_bin_sh,
            ),
            additional_files=[
                pb.BuildRequest.AdditionalFile(path=p, contents=data)
                for p, data in self.additional_files.items()
            ],
            refscan_needles=list(self.refscan_needles),
        )

    @classmethod
    def from_proto(cls, msg: pb.BuildRequest) -> BuildRequest:
        """The request a message holds; RequestError naming the field that breaks a rule
        (inputs and variables must come sorted, as the protocol says)."""
        inputs: dict[bytes, Node] = {}
        for i, item in enumerate(msg.inputs):
            try:
                name, node = node_from_proto(item)
            except NodeError as exc:
                raise RequestError(f"inputs[{i}]", str(exc)) from None
            inputs[name] = node
        _sorted_bytes(list(inputs), len(msg.inputs), "inputs")
        keys = [v.key for v in msg.environment_vars]
        _sorted(keys, "environment_vars")
        paths = [f.path for f in msg.additional_files]
        _sorted(paths, "additional_files")
        c = msg.constraints
        return cls(
            inputs=inputs,
            command_args=tuple(msg.command_args),
            working_dir=msg.working_dir,
            scratch_paths=tuple(msg.scratch_paths),
            inputs_dir=msg.inputs_dir,
            outputs=tuple(msg.outputs),
            environment={v.key: v.value for v in msg.environment_vars},
            constraints=BuildConstraints(
                system=c.system,
                min_memory=c.min_memory,
                available_ro_paths=tuple(c.available_ro_paths),
                network_access=c.network_access,
                provide_bin_sh=c.provide_bin_sh,
            ),
            additional_files={f.path: f.contents for f in msg.additional_files},
            refscan_needles=tuple(msg.refscan_needles),
        )


def _sorted_bytes(names: list[bytes], count: int, where: str) -> None:
    if len(names) != count or names != sorted(names):
        raise RequestError(where, "must be sorted by name, without repeats")


@dataclass(frozen=True)
class Build:
    """A request that was built: its outputs (in the order of the request's ``outputs``),
    and for each the indices of the request's ``refscan_needles`` found in it."""

    request: BuildRequest
    outputs: tuple[Node, ...]
    outputs_needles: tuple[frozenset[int], ...]

    def to_proto(self) -> pb.Build:
        names = [posixpath.basename(path).encode() for path in self.request.outputs]
        return pb.Build(
            build_request=self.request.to_proto(),
            outputs=[
                node_to_proto(node, name) for name, node in zip(names, self.outputs, strict=True)
            ],
            outputs_needles=[
                pb.Build.OutputNeedles(needles=sorted(found)) for found in self.outputs_needles
            ],
        )

    @classmethod
    def from_proto(cls, msg: pb.Build) -> Build:
        request = BuildRequest.from_proto(msg.build_request)
        outputs = []
        for i, item in enumerate(msg.outputs):
            try:
                outputs.append(node_from_proto(item)[1])
            except NodeError as exc:
                raise RequestError(f"outputs[{i}]", str(exc)) from None
        if len(outputs) != len(request.outputs) or len(msg.outputs_needles) != len(outputs):
            raise RequestError("outputs", "one node and one needle list per requested output")
        return cls(
            request,
            tuple(outputs),
            tuple(frozenset(n.needles) for n in msg.outputs_needles),
        )
