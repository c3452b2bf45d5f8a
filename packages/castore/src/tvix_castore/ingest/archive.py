"""Importing a tar archive (plain, gzip, bzip2, xz or zstd), streaming, member by member.

Each file's bytes go straight from the archive into a blob, so memory does not grow with the
archive. The archive's entries form one directory tree (the root node); hard links share
the node of the file they name. Absolute paths, ``..`` components and special files are
refused, naming the member.
"""

from __future__ import annotations

import os
import tarfile
from typing import IO, Final

import zstandard

from tvix_castore.blobs.service import BlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import CastoreError, IngestionError, NodeError
from tvix_castore.ingest.fs import PIECE, Progress
from tvix_castore.ingest.tree import Entry, Tree, finish
from tvix_castore.nodes import DirectoryNode, FileNode, SymlinkNode, check_name

__all__ = ["ingest_archive"]

_ZSTD_MAGIC: Final = b"\x28\xb5\x2f\xfd"


def _components(member: str) -> list[bytes]:
    raw = os.fsencode(member)
    if raw.startswith(b"/"):
        raise IngestionError(member, "absolute path in archive")
    parts = [p for p in raw.split(b"/") if p not in (b"", b".")]
    for part in parts:
        if part == b"..":
            raise IngestionError(member, "'..' in archive path")
        try:
            check_name(part)
        except NodeError as exc:
            raise IngestionError(member, exc.reason) from None
    return parts


def _parent(tree: Tree, parts: list[bytes], member: str) -> Tree:
    here = tree
    for part in parts[:-1]:
        sub = here.setdefault(part, {})
        if not isinstance(sub, dict):
            raise IngestionError(member, f"{part!r} is not a directory in the archive")
        here = sub
    return here


def _lookup(tree: Tree, parts: list[bytes]) -> Entry | None:
    here: Entry = tree
    for part in parts:
        if not isinstance(here, dict) or part not in here:
            return None
        here = here[part]
    return here


def _upload(
    blobs: BlobService, source: IO[bytes], progress: Progress | None
) -> tuple[B3Digest, int]:
    with blobs.open_write() as writer:
        size = 0
        while piece := source.read(PIECE):
            writer.write(piece)
            size += len(piece)
            if progress is not None:
                progress(len(piece))
    return writer.close(), size


def ingest_archive(
    source: IO[bytes],
    blobs: BlobService,
    directories: DirectoryService,
    *,
    progress: Progress | None = None,
) -> DirectoryNode:
    """Import a tar stream (compression detected from its first bytes)."""
    stream: IO[bytes] = source
    head = source.peek(4)[:4] if hasattr(source, "peek") else b""
    if head == _ZSTD_MAGIC:
        stream = zstandard.ZstdDecompressor().stream_reader(source)  # type: ignore[assignment]
    tree: Tree = {}
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as archive:
            for member in archive:
                _add(tree, archive, member, blobs, progress)
    except (tarfile.TarError, EOFError, OSError, zstandard.ZstdError) as exc:
        raise IngestionError("archive", f"not a readable tar archive: {exc}") from None
    putter = directories.put_closure()
    try:
        root = finish(tree, putter)
        putter.close()
    except BaseException:
        putter.abort()
        raise
    return root


def _add(
    tree: Tree,
    archive: tarfile.TarFile,
    member: tarfile.TarInfo,
    blobs: BlobService,
    progress: Progress | None,
) -> None:
    parts = _components(member.name)
    if not parts:
        if member.isdir():
            return
        raise IngestionError(member.name, "entry without a name")
    parent = _parent(tree, parts, member.name)
    name = parts[-1]
    entry: Entry
    if member.isdir():
        existing = parent.get(name)
        if isinstance(existing, dict):
            return
        entry = {}
    elif member.isreg():
        data = archive.extractfile(member)
        if data is None:
            raise IngestionError(member.name, "file without data")
        try:
            digest, size = _upload(blobs, data, progress)
        except CastoreError as exc:
            raise IngestionError(member.name, str(exc)) from None
        entry = FileNode(digest, size, bool(member.mode & 0o100))
    elif member.issym():
        try:
            entry = SymlinkNode(os.fsencode(member.linkname))
        except NodeError as exc:
            raise IngestionError(member.name, exc.reason) from None
    elif member.islnk():
        target = _lookup(tree, _components(member.linkname))
        if not isinstance(target, FileNode):
            raise IngestionError(
                member.name, f"hard link to {member.linkname!r}, not a file seen before"
            )
        entry = target
    else:
        raise IngestionError(member.name, "special file (device, FIFO): not supported")
    parent[name] = entry
