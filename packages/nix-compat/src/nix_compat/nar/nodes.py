"""A NAR as a tree of values held in memory: build one without a file system, or read one back.

Meant for small trees (tests, generated files, configuration): contents are held whole. Large
trees stream through :class:`~nix_compat.nar.writer.NarWriter` and
:class:`~nix_compat.nar.reader.NarReader` instead.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from nix_compat.errors import NarError
from nix_compat.nar.reader import DirectoryEnd, DirectoryStart, FileEvent, NarReader, Readable
from nix_compat.nar.writer import NarWriter

__all__ = ["Directory", "Node", "Regular", "Symlink", "nar_bytes", "read_node", "write_node"]


@dataclass(frozen=True, slots=True)
class Regular:
    """A regular file."""

    contents: bytes = b""
    executable: bool = False


@dataclass(frozen=True, slots=True)
class Symlink:
    """A symbolic link; its target need not exist."""

    target: bytes


@dataclass(frozen=True, slots=True)
class Directory:
    """A directory; entries are written in byte order of their names, whatever the mapping's."""

    entries: Mapping[bytes, Node] = field(default_factory=dict)


Node = Regular | Symlink | Directory


def write_node(writer: NarWriter, node: Node) -> None:
    """Write ``node`` at the writer's current position (without recursion: any depth works)."""
    pending: list[Iterator[tuple[bytes, Node]]] = []
    current: Node | None = node
    while True:
        if isinstance(current, Regular):
            writer.regular(current.contents, executable=current.executable)
        elif isinstance(current, Symlink):
            writer.symlink(current.target)
        elif isinstance(current, Directory):
            writer.directory_start()
            pending.append(iter(sorted(current.entries.items())))
        while pending:
            step = next(pending[-1], None)
            if step is not None:
                writer.entry(step[0])
                current = step[1]
                break
            pending.pop()
            writer.directory_end()
        else:
            return


def nar_bytes(node: Node) -> bytes:
    """The NAR of ``node``."""
    out = io.BytesIO()
    writer = NarWriter(out.write)
    write_node(writer, node)
    writer.close()
    return out.getvalue()


def read_node(source: Readable | bytes) -> Node:
    """Read a whole NAR (validated as :class:`NarReader` does) into a tree of nodes."""
    reader = NarReader(io.BytesIO(source) if isinstance(source, bytes) else source)
    stack: list[dict[bytes, Node]] = []
    root: Node | None = None
    for event in reader:
        built: Node
        if isinstance(event, DirectoryStart):
            stack.append({})
            continue
        if isinstance(event, DirectoryEnd):
            built = Directory(stack.pop())
        elif isinstance(event, FileEvent):
            built = Regular(event.read(), event.executable)
        else:
            built = Symlink(event.target)
        if stack:
            stack[-1][event.path.rpartition(b"/")[2]] = built
        else:
            root = built
    if root is None:  # the reader raises on an empty NAR; this only guards the type
        raise NarError("NAR has no root node", 0)
    return root
