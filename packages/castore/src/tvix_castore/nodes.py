"""The data model: nodes (directory, file, symlink) and directories, with Tvix's rules.

A ``Directory`` maps names to nodes; its identity is the blake3 digest of its canonical
protobuf encoding (fields in number order, lists sorted by name, defaults left out), the same
bytes Tvix hashes, so digests agree with Rust Tvix. Everything built here is valid: names and
targets are checked on construction, and ``Directory.from_proto`` refuses messages whose
lists are unsorted or repeat a name, since re-encoding them would give another digest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Final

from tvix_castore.digest import B3Digest
from tvix_castore.errors import DigestError, NodeError
from tvix_castore.protos import castore_pb2 as pb

__all__ = [
    "MAX_SIZE",
    "MAX_TARGET_LENGTH",
    "Directory",
    "DirectoryNode",
    "FileNode",
    "Node",
    "SymlinkNode",
    "check_name",
    "node_from_proto",
    "node_to_proto",
]

MAX_SIZE: Final = 2**64 - 1
#: Longest symlink target Linux accepts (PATH_MAX less the terminating NUL).
MAX_TARGET_LENGTH: Final = 4095


def check_name(name: bytes) -> bytes:
    """Refuse names a directory cannot hold: empty, ``.``, ``..``, with ``/`` or NUL."""
    if not name or name in (b".", b"..") or b"/" in name or b"\0" in name:
        if not name:
            raise NodeError("empty name", name=name, field="name")
        if name in (b".", b".."):
            raise NodeError("'.' and '..' are not names", name=name, field="name")
        raise NodeError("a name may not contain '/' or NUL", name=name, field="name")
    return name


def _check_size(size: int, name: bytes | None) -> None:
    if not 0 <= size <= MAX_SIZE:
        raise NodeError(f"size {size} is not an unsigned 64-bit number", name=name, field="size")


@dataclass(frozen=True, slots=True)
class DirectoryNode:
    """A directory by digest; ``size`` counts every entry below it, recursively."""

    digest: B3Digest
    size: int

    def __post_init__(self) -> None:
        _check_size(self.size, None)


@dataclass(frozen=True, slots=True)
class FileNode:
    """A regular file: the blob ``digest`` of ``size`` bytes, maybe executable."""

    digest: B3Digest
    size: int
    executable: bool = False

    def __post_init__(self) -> None:
        _check_size(self.size, None)


@dataclass(frozen=True, slots=True)
class SymlinkNode:
    """A symbolic link: a target that is not empty, has no NUL and fits in PATH_MAX."""

    target: bytes

    def __post_init__(self) -> None:
        if not self.target:
            raise NodeError("empty symlink target", field="target")
        if b"\0" in self.target:
            raise NodeError("symlink target contains NUL", field="target")
        if len(self.target) > MAX_TARGET_LENGTH:
            raise NodeError(f"symlink target longer than {MAX_TARGET_LENGTH}", field="target")


Node = DirectoryNode | FileNode | SymlinkNode


def node_from_proto(msg: pb.Node) -> tuple[bytes, Node]:
    """A root node message as (name, node); the name may be empty for an unnamed root."""
    kind = msg.WhichOneof("node")
    if kind is None:
        raise NodeError("a node message with no node set", field="node")
    item = getattr(msg, kind)
    return item.name, _node_of(
        {"directory": "directories", "file": "files"}.get(kind, "symlinks"), item
    )


def node_to_proto(node: Node, name: bytes = b"") -> pb.Node:
    """A root node message; Tvix's root nodes carry an empty name unless one is given."""
    if isinstance(node, DirectoryNode):
        return pb.Node(directory=pb.DirectoryNode(name=name, digest=node.digest, size=node.size))
    if isinstance(node, FileNode):
        return pb.Node(
            file=pb.FileNode(
                name=name, digest=node.digest, size=node.size, executable=node.executable
            )
        )
    return pb.Node(symlink=pb.SymlinkNode(name=name, target=node.target))


class Directory(Mapping[bytes, Node]):
    """The entries of one directory, by name; immutable once built."""

    __slots__ = ("__dict__", "_entries")

    def __init__(self, entries: Mapping[bytes, Node] | None = None):
        items = dict(entries or {})
        for name in items:
            check_name(name)
        self._entries: dict[bytes, Node] = dict(sorted(items.items()))
        self._check_total()

    def _check_total(self) -> None:
        total = len(self._entries)
        for node in self._entries.values():
            if isinstance(node, DirectoryNode):
                total += node.size
        if total > MAX_SIZE:
            raise NodeError("recursive size overflows 64 bits", field="size")

    @classmethod
    def _checked(cls, entries: dict[bytes, Node]) -> Directory:
        """Build from entries whose names were already checked (by ``from_proto``)."""
        directory = cls.__new__(cls)
        directory._entries = dict(sorted(entries.items()))
        directory._check_total()
        return directory

    # Mapping interface -------------------------------------------------------------
    def __getitem__(self, name: bytes) -> Node:
        return self._entries[name]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Directory) and self._entries == other._entries

    def __hash__(self) -> int:
        return hash(self.digest)

    def __repr__(self) -> str:
        return f"Directory({self.digest}, {len(self)} entries)"

    # Derived values ----------------------------------------------------------------
    @cached_property
    def size(self) -> int:
        """Entries here plus, for each child directory, its own recursive size."""
        return len(self._entries) + sum(
            n.size for n in self._entries.values() if isinstance(n, DirectoryNode)
        )

    def directories(self) -> Iterator[tuple[bytes, DirectoryNode]]:
        """Child directories in name order."""
        for name, node in self._entries.items():
            if isinstance(node, DirectoryNode):
                yield name, node

    @cached_property
    def encoded(self) -> bytes:
        """The canonical protobuf encoding, the bytes the digest is taken of."""
        return self.to_proto().SerializeToString(deterministic=True)

    @cached_property
    def digest(self) -> B3Digest:
        return B3Digest.of(self.encoded)

    def as_node(self) -> DirectoryNode:
        """The node that refers to this directory."""
        return DirectoryNode(self.digest, self.size)

    # Wire form ---------------------------------------------------------------------
    def to_proto(self) -> pb.Directory:
        msg = pb.Directory()
        for name, node in self._entries.items():
            if isinstance(node, DirectoryNode):
                msg.directories.add(name=name, digest=node.digest, size=node.size)
            elif isinstance(node, FileNode):
                msg.files.add(
                    name=name, digest=node.digest, size=node.size, executable=node.executable
                )
            else:
                msg.symlinks.add(name=name, target=node.target)
        return msg

    @classmethod
    def from_proto(cls, msg: pb.Directory) -> Directory:
        """Validate a received message: each list sorted, names unique across all three."""
        entries: dict[bytes, Node] = {}
        for field, items in (
            ("directories", msg.directories),
            ("files", msg.files),
            ("symlinks", msg.symlinks),
        ):
            previous: bytes | None = None
            for item in items:
                name = item.name
                check_name(name)
                if previous is not None and name <= previous:
                    raise NodeError(
                        "names are not sorted" if name < previous else "duplicate name",
                        name=name,
                        field=field,
                    )
                if name in entries:
                    raise NodeError("duplicate name", name=name, field=field)
                entries[name] = _node_of(field, item)
                previous = name
        return cls._checked(entries)

    @classmethod
    def from_bytes(cls, data: bytes, digest: B3Digest | None = None) -> Directory:
        """Parse and validate an encoded Directory message.

        With ``digest``, the bytes are checked to hash to it and are then taken as the
        canonical encoding (stores keep what ``encoded`` gave), which saves re-encoding.
        """
        msg = pb.Directory()
        try:
            msg.ParseFromString(data)
        except Exception as exc:  # protobuf raises its own DecodeError; keep ours
            raise NodeError(f"not a Directory message: {exc}") from None
        directory = cls.from_proto(msg)
        if digest is not None and B3Digest.of(data) == digest:
            directory.__dict__["encoded"] = bytes(data)
            directory.__dict__["digest"] = digest
        return directory


def _node_of(field: str, item: object) -> Node:
    """The node for one entry of a received list (already known to be of that kind)."""
    name: bytes = item.name  # type: ignore[attr-defined]
    try:
        if field == "symlinks":
            return SymlinkNode(item.target)  # type: ignore[attr-defined]
        digest = B3Digest(item.digest)  # type: ignore[attr-defined]
        if field == "files":
            return FileNode(digest, item.size, item.executable)  # type: ignore[attr-defined]
        return DirectoryNode(digest, item.size)  # type: ignore[attr-defined]
    except NodeError as exc:
        raise NodeError(exc.reason, name=name, field=exc.field) from None
    except DigestError as exc:
        raise NodeError(str(exc), name=name, field="digest") from None
