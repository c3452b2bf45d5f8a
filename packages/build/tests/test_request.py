"""BuildRequest's rules (those of tvix.build.v1) and its wire form: a request survives the
round trip through protobuf, and one that breaks a rule is refused naming the field."""

from __future__ import annotations

import pytest
from build_support import Castore, request
from tvix_build.errors import RequestError
from tvix_build.protos import build_pb2 as pb
from tvix_build.request import Build, BuildConstraints, BuildRequest


def test_a_request_survives_its_wire_form(castore: Castore) -> None:
    made = request(
        castore,
        "true",
        additional_files={"build/.attrs.json": b"{}"},
        refscan_needles=("abc", "def"),
        constraints=BuildConstraints("x86_64-linux", 1 << 30, ("/dev/kvm",), True, True),
    )
    wire = made.to_proto().SerializeToString()
    assert BuildRequest.from_proto(pb.BuildRequest.FromString(wire)) == made


def test_a_build_survives_its_wire_form(castore: Castore) -> None:
    made = request(castore, "true")
    build = Build(made, (castore.busybox,), (frozenset({0}),))
    assert Build.from_proto(pb.Build.FromString(build.to_proto().SerializeToString())) == build


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"working_dir": "/build"}, "working_dir"),
        ({"working_dir": "build/../x"}, "working_dir"),
        ({"inputs_dir": "../nix"}, "inputs_dir"),
        ({"scratch_paths": ("nix/store", "build")}, "scratch_paths"),
        ({"scratch_paths": ("build", "build")}, "scratch_paths"),
        ({"outputs": ("nix/store/x/",)}, "outputs[0]"),
        ({"command_args": ()}, "command_args"),
        ({"environment": {"A=B": b""}}, "environment_vars['A=B']"),
        ({"additional_files": {"/etc/passwd": b""}}, "additional_files['/etc/passwd']"),
        ({"inputs": {b"a/b": None}}, "inputs[b'a/b']"),
    ],
)
def test_a_request_breaking_a_rule_is_refused_naming_the_field(
    castore: Castore, change: dict[str, object], field: str
) -> None:
    base = request(castore, "true")
    values = {name: getattr(base, name) for name in base.__dataclass_fields__}
    values.update(change)
    with pytest.raises(RequestError) as refused:
        BuildRequest(**values)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_constraints_need_a_system() -> None:
    with pytest.raises(RequestError, match=r"constraints\.system"):
        BuildConstraints("")


def test_unsorted_inputs_on_the_wire_are_refused(castore: Castore) -> None:
    msg = request(castore, "true").to_proto()
    msg.inputs.append(msg.inputs[0])
    with pytest.raises(RequestError, match="inputs: must be sorted"):
        BuildRequest.from_proto(msg)
