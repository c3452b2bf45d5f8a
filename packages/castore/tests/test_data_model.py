"""The data model: digests, names, sizes and the canonical encoding Tvix hashes.

Expected values come from the published wire format (protobuf encoding rules and the field
numbers of Tvix's castore.proto) and from Tvix's own published test vectors, never from our
own output.
"""

from __future__ import annotations

import blake3
import pytest
from tvix_castore.digest import B3Digest
from tvix_castore.errors import DigestError, NodeError
from tvix_castore.nodes import (
    Directory,
    DirectoryNode,
    FileNode,
    Node,
    SymlinkNode,
    node_from_proto,
    node_to_proto,
)
from tvix_castore.protos import castore_pb2 as pb

ZERO = B3Digest(bytes(32))


def test_empty_directory_digest_is_tvix_published_value() -> None:
    # Tvix's castore test "digest": the empty Directory hashes to blake3 of no bytes.
    assert Directory().digest.hex() == (
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    )
    assert str(Directory().digest) == "b3:rxNJufX5oaagQE3qNtzJSZvLJcmtwRK3zJqTyuQfMmI="


def test_canonical_encoding_follows_the_field_numbers() -> None:
    # Hand-encoded from the protobuf rules: field 1 (directories), 2 (files), 3 (symlinks),
    # each a length-delimited submessage whose fields are written in number order.
    d = Directory(
        {
            b"d": DirectoryNode(ZERO, 3),
            b"f": FileNode(ZERO, 300, executable=True),
            b"s": SymlinkNode(b"t"),
        }
    )
    dir_node = b"\x0a\x01d" + b"\x12\x20" + bytes(32) + b"\x18\x03"
    file_node = b"\x0a\x01f" + b"\x12\x20" + bytes(32) + b"\x18\xac\x02" + b"\x20\x01"
    link_node = b"\x0a\x01s" + b"\x12\x01t"
    expected = (
        b"\x0a"
        + bytes([len(dir_node)])
        + dir_node
        + b"\x12"
        + bytes([len(file_node)])
        + file_node
        + b"\x1a"
        + bytes([len(link_node)])
        + link_node
    )
    assert d.encoded == expected
    assert d.digest == blake3.blake3(expected).digest()


def test_default_values_are_left_out() -> None:
    d = Directory({b"f": FileNode(ZERO, 0)})
    assert d.encoded == b"\x12\x25\x0a\x01f\x12\x20" + bytes(32)


def test_size_counts_entries_recursively() -> None:
    # Tvix's castore "size" test vectors.
    assert Directory().size == 0
    assert Directory({b"foo": DirectoryNode(ZERO, 0)}).size == 1
    assert Directory({b"foo": DirectoryNode(ZERO, 4)}).size == 5
    assert Directory({b"foo": FileNode(ZERO, 42)}).size == 1
    assert Directory({b"foo": SymlinkNode(b"bar")}).size == 1
    assert Directory({b"foo": DirectoryNode(ZERO, 2**64 - 2)}).size == 2**64 - 1


def test_size_overflow_is_refused() -> None:
    with pytest.raises(NodeError, match="overflow"):
        Directory({b"foo": DirectoryNode(ZERO, 2**64 - 1)})
    with pytest.raises(NodeError):
        DirectoryNode(ZERO, 2**64)


@pytest.mark.parametrize("name", [b"", b".", b"..", b"\x00", b"foo/bar", b"a\x00b"])
def test_bad_names_are_refused(name: bytes) -> None:
    with pytest.raises(NodeError) as info:
        Directory({name: SymlinkNode(b"x")})
    assert info.value.name == name
    msg = pb.Directory(symlinks=[pb.SymlinkNode(name=name, target=b"x")])
    with pytest.raises(NodeError):
        Directory.from_proto(msg)


def test_unsorted_and_duplicate_names_are_refused() -> None:
    unsorted = pb.Directory(
        directories=[
            pb.DirectoryNode(name=b"b", digest=bytes(32), size=42),
            pb.DirectoryNode(name=b"a", digest=bytes(32), size=42),
        ]
    )
    with pytest.raises(NodeError, match="sorted") as info:
        Directory.from_proto(unsorted)
    assert info.value.name == b"a"
    twice = pb.Directory(
        directories=[
            pb.DirectoryNode(name=b"a", digest=bytes(32), size=42),
            pb.DirectoryNode(name=b"a", digest=bytes(32), size=42),
        ]
    )
    with pytest.raises(NodeError, match="duplicate"):
        Directory.from_proto(twice)
    across = pb.Directory(
        files=[pb.FileNode(name=b"a", digest=bytes(32))],
        symlinks=[pb.SymlinkNode(name=b"a", target=b"x")],
    )
    with pytest.raises(NodeError, match="duplicate"):
        Directory.from_proto(across)
    # [b, c] and [a] are each sorted: accepted (Tvix's vector).
    fine = pb.Directory(
        directories=[
            pb.DirectoryNode(name=b"b", digest=bytes(32), size=42),
            pb.DirectoryNode(name=b"c", digest=bytes(32), size=42),
        ],
        symlinks=[pb.SymlinkNode(name=b"a", target=b"foo")],
    )
    assert len(Directory.from_proto(fine)) == 3


def test_wrong_digest_length_is_refused() -> None:
    msg = pb.Directory(directories=[pb.DirectoryNode(name=b"foo", digest=b"\x00\x42", size=42)])
    with pytest.raises(NodeError, match="32 bytes, not 2") as info:
        Directory.from_proto(msg)
    assert info.value.field == "digest"
    with pytest.raises(DigestError):
        B3Digest(b"short")


@pytest.mark.parametrize("target", [b"", b"a\x00b", b"x" * 4096])
def test_bad_symlink_targets_are_refused(target: bytes) -> None:
    with pytest.raises(NodeError):
        SymlinkNode(target)


def test_garbage_bytes_are_a_clear_error() -> None:
    with pytest.raises(NodeError, match="not a Directory message"):
        Directory.from_bytes(b"\xff\xff\xff")


def test_round_trip_through_the_wire_form() -> None:
    d = Directory({b"z": FileNode(ZERO, 1), b"a": DirectoryNode(ZERO, 0), b"m": SymlinkNode(b"/")})
    again = Directory.from_bytes(d.encoded)
    assert again == d and again.digest == d.digest
    assert list(again) == [b"a", b"m", b"z"]


def test_digest_text_forms() -> None:
    digest = B3Digest.of(b"")
    assert B3Digest.parse(str(digest)) == digest
    assert B3Digest.parse(digest.hex()) == digest
    for bad in ["b3:!!!", "b3:AAAA", "zz" * 32]:
        with pytest.raises(DigestError):
            B3Digest.parse(bad)


def test_root_nodes_round_trip() -> None:
    nodes: list[Node] = [DirectoryNode(ZERO, 5), FileNode(ZERO, 9, True), SymlinkNode(b"t")]
    for node in nodes:
        assert node_from_proto(node_to_proto(node)) == (b"", node)
    with pytest.raises(NodeError):
        node_from_proto(pb.Node())
