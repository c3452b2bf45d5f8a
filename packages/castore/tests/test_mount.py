"""The FUSE mount, for real: a tree is imported, mounted, and read back through the kernel."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from tvix_castore.blobs.chunked import ChunkingParams
from tvix_castore.blobs.objectstore import ObjectStoreBlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.sqlite import SqliteDirectoryService
from tvix_castore.ingest import ingest_path
from tvix_castore.mount import CastoreFs, fuse_available, mounted
from tvix_castore.nodes import DirectoryNode, SymlinkNode

REASON = fuse_available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"FUSE unusable here: {REASON}")


class CountingBlobs(ObjectStoreBlobService):
    """Counts blob opens, to show that listing a tree fetches no file contents."""

    opened: list[B3Digest]

    def open_read(self, digest: B3Digest):  # type: ignore[no-untyped-def]
        self.opened.append(digest)
        return super().open_read(digest)


def make_tree(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "sub" / "big").write_bytes(os.urandom(1_500_000))
    (root / "run").write_bytes(b"#!/bin/sh\n")
    (root / "run").chmod(0o755)
    (root / "note").write_bytes(b"a note\n")
    (root / "link").symlink_to("sub/big")
    return root


def test_mounted_tree_reads_like_the_original(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    blobs = CountingBlobs(
        ObjectStoreBlobService.local(tmp_path / "b").store,
        local_root=tmp_path / "b",
        chunking=ChunkingParams(64 * 1024),
    )
    blobs.opened = []
    dirs = SqliteDirectoryService(tmp_path / "d.sqlite")
    root = ingest_path(tree, blobs, dirs)
    assert isinstance(root, DirectoryNode)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    with mounted(CastoreFs(blobs, dirs, root=root), mnt):
        for path in sorted(tree.rglob("*")):
            rel = path.relative_to(tree)
            ours = mnt / rel
            assert sorted(os.listdir(path.parent)) == sorted(os.listdir(ours.parent))
            theirs, mine = os.lstat(path), os.lstat(ours)
            assert stat.S_IFMT(theirs.st_mode) == stat.S_IFMT(mine.st_mode), rel
            if path.is_symlink():
                assert os.readlink(ours) == os.readlink(path)
            elif path.is_file():
                assert mine.st_size == theirs.st_size
                assert bool(mine.st_mode & 0o100) == bool(theirs.st_mode & 0o100)
        assert blobs.opened == []  # nothing read yet: contents are fetched lazily
        data = (tree / "sub" / "big").read_bytes()
        with open(mnt / "sub" / "big", "rb") as handle:
            handle.seek(1_400_000)
            assert handle.read(100) == data[1_400_000:1_400_100]
            handle.seek(0)
            assert handle.read() == data
        assert (mnt / "link").read_bytes() == data
        assert (mnt / "note").read_bytes() == b"a note\n"
        with pytest.raises(OSError):
            (mnt / "note").write_bytes(b"changed")
        with pytest.raises(FileNotFoundError):
            os.stat(mnt / "missing")
    assert not os.path.ismount(mnt)


def test_named_roots_side_by_side(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    blobs = ObjectStoreBlobService.local(tmp_path / "b")
    dirs = SqliteDirectoryService(tmp_path / "d.sqlite")
    node = ingest_path(tree, blobs, dirs)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    roots = {b"first": node, b"pointer": SymlinkNode(b"first/note")}
    with mounted(CastoreFs(blobs, dirs, roots=roots), mnt):
        assert sorted(os.listdir(mnt)) == ["first", "pointer"]
        assert (mnt / "pointer").read_bytes() == b"a note\n"
        assert (mnt / "first" / "run").read_bytes() == b"#!/bin/sh\n"
