"""The PathInfo model and its tvix.store.v1 message: every validation rule, and the narinfo."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nix_compat.content_address import ContentAddress
from nix_compat.narinfo import NarInfo
from nix_compat.signing import SigningKey
from tvix_store.errors import PathInfoError
from tvix_store.pathinfo import PathInfo
from tvix_store.protos import pathinfo_pb2 as pb
from tvix_store.testing import sample_path_info


def test_message_round_trip_keeps_every_field() -> None:
    info = sample_path_info()
    assert PathInfo.from_bytes(info.to_bytes()) == info


def test_the_deriver_travels_without_its_drv_suffix() -> None:
    msg = sample_path_info().to_proto()
    assert msg.narinfo.deriver.name == "hello-2.12"


Mutation = Callable[[pb.PathInfo], None]


def _set_node_name(name: bytes) -> Mutation:
    return lambda m: setattr(m.node.directory, "name", name)


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (lambda m: m.ClearField("node"), "node", "missing"),
        (lambda m: m.ClearField("narinfo"), "narinfo", "missing"),
        (_set_node_name(b"not-a-store-path"), "node.name", "not a store path base name"),
        (_set_node_name(b""), "node.name", "not a store path base name"),
        (_set_node_name(b"\xff" * 40), "node.name", "not a store path base name"),
        (lambda m: m.references.append(bytes(20)), "narinfo.reference_names", "2 names for 3"),
        (lambda m: m.narinfo.reference_names.pop(), "narinfo.reference_names", "1 names for 2"),
        (
            lambda m: m.references.__setitem__(0, bytes(19)),
            "references[0]",
            "must be 20 bytes, not 19",
        ),
        (
            lambda m: m.references.__setitem__(1, bytes(20)),
            "narinfo.reference_names[1]",
            "does not have the digest of references[1]",
        ),
        (
            lambda m: m.narinfo.reference_names.__setitem__(0, "junk"),
            "narinfo.reference_names[0]",
            "not a store path base name",
        ),
        (
            lambda m: setattr(m.narinfo, "nar_sha256", bytes(31)),
            "narinfo.nar_sha256",
            "must be 32 bytes, not 31",
        ),
        (
            lambda m: setattr(m.narinfo.signatures[0], "data", bytes(63)),
            "narinfo.signatures",
            "63 bytes",
        ),
        (
            lambda m: setattr(m.narinfo.signatures[0], "name", ""),
            "narinfo.signatures",
            "",
        ),
        (
            lambda m: setattr(m.narinfo.deriver, "digest", bytes(3)),
            "narinfo.deriver.digest",
            "must be 20 bytes, not 3",
        ),
        (
            lambda m: setattr(m.narinfo.deriver, "name", "bad/name"),
            "narinfo.deriver.name",
            "illegal character",
        ),
        (lambda m: setattr(m.narinfo.ca, "type", 42), "narinfo.ca.type", "unknown type 42"),
        (lambda m: setattr(m.narinfo.ca, "digest", bytes(5)), "narinfo.ca.digest", "32 bytes"),
    ],
)
def test_each_rule_of_a_received_message(mutate: Mutation, field: str, reason: str) -> None:
    msg = sample_path_info().to_proto()
    mutate(msg)
    with pytest.raises(PathInfoError) as info:
        PathInfo.from_proto(msg)
    assert info.value.field == field
    assert reason in info.value.reason


def test_garbage_bytes_are_a_path_info_error() -> None:
    with pytest.raises(PathInfoError, match="not a PathInfo message"):
        PathInfo.from_bytes(b"\xff\xff\xff")


def test_a_deriver_must_be_a_drv() -> None:
    info = sample_path_info()
    assert info.deriver is not None
    with pytest.raises(PathInfoError, match=r"not a \.drv path"):
        dataclasses.replace(info, deriver=info.store_path)


def test_git_content_addresses_have_no_place_in_the_message() -> None:
    info = sample_path_info(ca=ContentAddress.parse("fixed:git:sha1:" + "0" * 40))
    with pytest.raises(PathInfoError, match="no place"):
        info.to_proto()


@pytest.mark.parametrize(
    "ca",
    [
        "fixed:r:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
        "fixed:r:sha1:" + "0" * 32,
        "fixed:r:sha512:" + "0" * 103,
        "fixed:r:md5:" + "0" * 26,
        "text:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
        "fixed:sha1:" + "0" * 32,
        "fixed:md5:" + "0" * 26,
        "fixed:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
        "fixed:sha512:" + "0" * 103,
    ],
)
def test_every_content_address_kind_round_trips(ca: str) -> None:
    info = sample_path_info(ca=ContentAddress.parse(ca))
    assert PathInfo.from_bytes(info.to_bytes()).ca == info.ca


def test_narinfo_conversion_and_signatures() -> None:
    key = SigningKey.generate("cache.example.org-1")
    info = sample_path_info(signatures=()).with_signature(key)
    narinfo = info.to_narinfo("nar/x.nar", compression="none")
    parsed = NarInfo.parse(narinfo.to_string())
    assert parsed.valid_signatures([key.verifying_key])
    assert PathInfo.from_narinfo(parsed, info.node) == info
    assert info.valid_signatures([key.verifying_key]) == info.signatures
    other = SigningKey.generate("cache.example.org-1")
    assert info.valid_signatures([other.verifying_key]) == ()


_VALID = sample_path_info().to_bytes()


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda cut, flips: _mutated(_VALID[:cut], flips),
            st.integers(0, len(_VALID)),
            st.lists(st.tuples(st.integers(0, len(_VALID) - 1), st.integers(1, 255)), max_size=4),
        ),
    )
)
def test_any_bytes_are_a_path_info_or_a_path_info_error(data: bytes) -> None:
    try:
        info = PathInfo.from_bytes(data)
    except PathInfoError:
        return
    assert PathInfo.from_bytes(info.to_bytes()) == info


def _mutated(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for index, mask in flips:
        if index < len(out):
            out[index] ^= mask
    return bytes(out)
