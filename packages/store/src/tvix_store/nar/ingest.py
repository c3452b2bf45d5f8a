"""A NAR stream stored in castore: file contents as blobs, directories as a closure.

The NAR is read once, strictly (:class:`~nix_compat.nar.reader.NarReader`), hashed and
counted as it passes. Blobs are written as files arrive (content-addressed, they mean nothing
until referred to); directories are collected leaves first and uploaded as one checked
closure only after the whole NAR has been read and its hash and size match what the caller
expects. So a truncated, malformed or substituted NAR leaves no directory and no root node:
nothing of it becomes visible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nix_compat.errors import NarError
from nix_compat.hash import NixHash
from nix_compat.nar import (
    DirectoryEnd,
    DirectoryStart,
    FileEvent,
    HashingReader,
    NarReader,
    Readable,
    SymlinkEvent,
)
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import CastoreError
from tvix_castore.nodes import Directory, FileNode, Node, SymlinkNode

from tvix_store.errors import NarIngestError

__all__ = ["IngestedNar", "ingest_nar"]


@dataclass(frozen=True, slots=True)
class IngestedNar:
    """What ingesting a NAR gave: the root node, and the NAR's size and SHA-256."""

    node: Node
    nar_size: int
    nar_sha256: bytes


def ingest_nar(
    source: Readable,
    blobs: BlobService,
    directories: DirectoryService,
    *,
    expected_sha256: bytes | None = None,
    expected_size: int | None = None,
) -> IngestedNar:
    """Store the NAR read from ``source``; NarIngestError (nothing visible) when it is
    malformed, or its SHA-256 or size differ from the expected ones."""
    hashing = HashingReader(source)
    putter = directories.put_closure()
    try:
        root = _store_events(NarReader(hashing), blobs, putter.put)
        digest = hashing.digest()
        if expected_size is not None and digest.size != expected_size:
            raise NarIngestError(
                f"the NAR has {digest.size} bytes, not the expected {expected_size}"
            )
        if expected_sha256 is not None and digest.hash.digest != expected_sha256:
            raise NarIngestError(
                f"the NAR's hash is {digest.hash.to_sri()}, not the expected "
                f"{NixHash('sha256', expected_sha256).to_sri()}"
            )
        if isinstance(root, Directory):
            putter.close()
            node: Node = root.as_node()
        else:
            putter.abort()
            node = root
    except NarError as exc:
        putter.abort()
        raise NarIngestError(f"not a valid NAR: {exc}") from None
    except CastoreError as exc:
        putter.abort()
        raise NarIngestError(f"cannot store the NAR: {exc}") from None
    except BaseException:
        putter.abort()
        raise
    return IngestedNar(node, digest.size, digest.hash.digest)


def _store_events(
    reader: NarReader, blobs: BlobService, put: Callable[[Directory], None]
) -> Node | Directory:
    """Walk the events, writing blobs; return the root (a Directory if it is one)."""
    open_dirs: list[tuple[bytes, dict[bytes, Node]]] = []
    root: Node | Directory | None = None

    def place(path: bytes, item: Node) -> None:
        nonlocal root
        if not open_dirs:
            root = item
        else:
            open_dirs[-1][1][path.rsplit(b"/", 1)[-1]] = item

    for event in reader:
        if isinstance(event, FileEvent):
            with blobs.open_write() as writer:
                for chunk in event.chunks():
                    writer.write(chunk)
                digest = writer.close()
            place(event.path, FileNode(digest, event.size, event.executable))
        elif isinstance(event, SymlinkEvent):
            place(event.path, SymlinkNode(event.target))
        elif isinstance(event, DirectoryStart):
            open_dirs.append((event.path, {}))
        elif isinstance(event, DirectoryEnd):
            path, entries = open_dirs.pop()
            directory = Directory(entries)
            put(directory)
            if open_dirs:
                place(path, directory.as_node())
            else:
                root = directory
    assert root is not None  # the reader yields a root or raises
    return root
