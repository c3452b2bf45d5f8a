"""Importing file system trees and tar archives.

Archives are made by GNU tar (an independent producer) where it is installed, and by
Python's tarfile otherwise; importing an archive and importing the same tree from disk must
give the same root. Contents, executable bits and symlinks are read back and compared with
the file system itself.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import shutil
import socket
import subprocess
import tarfile
from pathlib import Path

import pytest
import zstandard
from castore_trees import make_tree
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.errors import IngestionError
from tvix_castore.ingest import ingest_archive, ingest_path
from tvix_castore.nodes import Directory, DirectoryNode, FileNode, Node, SymlinkNode


def compare(path: Path, node: Node, blobs: MemoryBlobService, dirs: MemoryDirectoryService) -> None:
    """Walk a stored tree next to the file system and check they agree entry by entry."""
    if path.is_symlink():
        assert node == SymlinkNode(os.fsencode(os.readlink(path)))
    elif path.is_file():
        assert isinstance(node, FileNode)
        data = path.read_bytes()
        assert node.digest == B3Digest.of(data) and node.size == len(data)
        assert node.executable == bool(path.stat().st_mode & 0o100)
        assert blobs.open_read(node.digest).read() == data
    else:
        assert isinstance(node, DirectoryNode)
        directory = dirs.get(node.digest)
        assert directory is not None and directory.size == node.size
        assert sorted(os.fsencode(p.name) for p in path.iterdir()) == list(directory)
        for name, child in directory.items():
            compare(path / os.fsdecode(name), child, blobs, dirs)


def test_tree_round_trips(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    blobs, dirs = MemoryBlobService(), MemoryDirectoryService()
    seen: list[int] = []
    root = ingest_path(tree, blobs, dirs, progress=seen.append)
    compare(tree, root, blobs, dirs)
    assert sum(seen) == sum(
        p.stat().st_size for p in tree.rglob("*") if p.is_file() and not p.is_symlink()
    )
    # Same content, same digest: importing again gives the same root.
    assert ingest_path(tree, MemoryBlobService(), MemoryDirectoryService()) == root


def test_root_can_be_a_file_or_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"data")
    (tmp_path / "l").symlink_to("f")
    blobs, dirs = MemoryBlobService(), MemoryDirectoryService()
    assert ingest_path(tmp_path / "f", blobs, dirs) == FileNode(B3Digest.of(b"data"), 4)
    assert ingest_path(tmp_path / "l", blobs, dirs) == SymlinkNode(b"f")


def test_single_file_directory_digest_matches_hand_encoding(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a").write_bytes(b"x")
    root = ingest_path(tmp_path / "d", MemoryBlobService(), MemoryDirectoryService())
    file_node = b"\x0a\x01a\x12\x20" + B3Digest.of(b"x") + b"\x18\x01"
    encoded = b"\x12" + bytes([len(file_node)]) + file_node
    assert root == DirectoryNode(B3Digest.of(encoded), 1)


def test_special_files_are_refused_and_nothing_stored(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    fifo = tree / "sub" / "pipe"
    os.mkfifo(fifo)
    blobs, dirs = MemoryBlobService(), MemoryDirectoryService()
    with pytest.raises(IngestionError, match="FIFO") as info:
        ingest_path(tree, blobs, dirs)
    assert info.value.path == str(fifo)
    assert dirs._dirs == {}
    fifo.unlink()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tree / "sock"))
    try:
        with pytest.raises(IngestionError, match="socket"):
            ingest_path(tree, blobs, dirs)
    finally:
        sock.close()


def test_unreadable_and_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(IngestionError, match="No such file"):
        ingest_path(tmp_path / "nope", MemoryBlobService(), MemoryDirectoryService())


def test_deep_nesting_does_not_hit_the_recursion_limit(tmp_path: Path) -> None:
    top = tmp_path / "deep"
    chain = [top]
    for _ in range(1100):
        chain.append(chain[-1] / "d")
    try:
        for folder in chain:
            folder.mkdir()
        (chain[-1] / "f").write_bytes(b"bottom")
        root = ingest_path(top, MemoryBlobService(), MemoryDirectoryService())
        assert isinstance(root, DirectoryNode) and root.size == 1101
    finally:
        # Removed bottom-up here: recursive removal (pytest's cleanup) would overflow.
        (chain[-1] / "f").unlink(missing_ok=True)
        for folder in reversed(chain):
            if folder.exists():
                folder.rmdir()


def _tarfile_bytes(tree: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(tree.rglob("*")):
            archive.add(path, arcname=str(path.relative_to(tree)), recursive=False)
    return buffer.getvalue()


COMPRESSORS = {
    "plain": lambda b: b,
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "zstd": lambda b: zstandard.ZstdCompressor().compress(b),
}


@pytest.mark.parametrize("compression", sorted(COMPRESSORS))
def test_archive_gives_the_same_root_as_the_tree(tmp_path: Path, compression: str) -> None:
    tree = make_tree(tmp_path / "tree")
    expected = ingest_path(tree, MemoryBlobService(), MemoryDirectoryService())
    if shutil.which("tar"):
        raw = subprocess.run(
            ["tar", "-C", str(tree), "-cf", "-", "."], check=True, capture_output=True
        ).stdout
    else:
        raw = _tarfile_bytes(tree)
    data = COMPRESSORS[compression](raw)
    blobs, dirs = MemoryBlobService(), MemoryDirectoryService()
    root = ingest_archive(io.BufferedReader(io.BytesIO(data)), blobs, dirs)  # type: ignore[arg-type]
    assert root == expected
    compare(tree, root, blobs, dirs)


def test_hard_links_share_the_file(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "orig").write_bytes(b"shared")
    os.link(tree / "orig", tree / "copy")
    root = ingest_archive(
        io.BufferedReader(io.BytesIO(_tarfile_bytes(tree))),
        MemoryBlobService(),
        (dirs := MemoryDirectoryService()),
    )  # type: ignore[arg-type]
    directory = dirs.get(root.digest)
    assert directory is not None
    assert directory[b"copy"] == directory[b"orig"] == FileNode(B3Digest.of(b"shared"), 6)


def _archive_with(member: tarfile.TarInfo, data: bytes = b"") -> io.BufferedReader:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return io.BufferedReader(io.BytesIO(buffer.getvalue()))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("../escape", tarfile.REGTYPE, "'..'"),
        ("/etc/passwd", tarfile.REGTYPE, "absolute"),
        ("dev/null", tarfile.CHRTYPE, "special file"),
        ("fifo", tarfile.FIFOTYPE, "special file"),
    ],
)
def test_hostile_archives_are_refused(name: str, kind: bytes, message: str) -> None:
    member = tarfile.TarInfo(name)
    member.type = kind
    dirs = MemoryDirectoryService()
    with pytest.raises(IngestionError, match=message):
        ingest_archive(
            _archive_with(member, b"x" if kind == tarfile.REGTYPE else b""),
            MemoryBlobService(),
            dirs,
        )
    assert dirs._dirs == {}


def test_truncated_and_garbage_archives(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    whole = gzip.compress(_tarfile_bytes(tree))
    for data in (whole[: len(whole) // 2], b"this is not an archive at all" * 40):
        dirs = MemoryDirectoryService()
        with pytest.raises(IngestionError, match="archive"):
            ingest_archive(io.BufferedReader(io.BytesIO(data)), MemoryBlobService(), dirs)  # type: ignore[arg-type]
        assert dirs._dirs == {}


def test_directory_from_empty_archive_is_the_empty_directory() -> None:
    buffer = io.BytesIO()
    tarfile.open(fileobj=buffer, mode="w").close()
    root = ingest_archive(
        io.BufferedReader(io.BytesIO(buffer.getvalue())),
        MemoryBlobService(),
        MemoryDirectoryService(),
    )  # type: ignore[arg-type]
    assert root == Directory().as_node()


def test_memory_does_not_grow_with_file_size(tmp_path: Path) -> None:
    import tracemalloc

    from tvix_castore.blobs.objectstore import ObjectStoreBlobService

    big = tmp_path / "big"
    with open(big, "wb") as out:
        for _ in range(12):
            out.write(os.urandom(4 * 1024 * 1024))
    blobs = ObjectStoreBlobService.local(tmp_path / "store")
    tracemalloc.start()
    try:
        node = ingest_path(big, blobs, MemoryDirectoryService())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(node, FileNode) and node.size == 48 * 1024 * 1024
    assert peak < 12 * 1024 * 1024, f"peak {peak} bytes for a 48 MiB file"
