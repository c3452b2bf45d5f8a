"""Writing castore trees out as files: what comes out is what went in (names, contents,
executable bits, symlinks, empty folders), checked by importing it again and comparing
digests, and by NAR dumps of both trees made by the reference's nix-store where it runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from castore_trees import make_tree
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.checkout import checkout
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.errors import BlobNotFoundError, DirectoryNotFoundError
from tvix_castore.ingest import ingest_path
from tvix_castore.nodes import DirectoryNode, FileNode


def test_a_checked_out_tree_imports_to_the_same_root(tmp_path: Path) -> None:
    blobs, directories = MemoryBlobService(), MemoryDirectoryService()
    root = ingest_path(make_tree(tmp_path / "in"), blobs, directories)
    checkout(root, tmp_path / "out", blobs, directories)
    assert ingest_path(tmp_path / "out", blobs, directories) == root
    assert os.readlink(tmp_path / "out" / "dangling") == "/nowhere/at/all"
    assert os.access(tmp_path / "out" / "sub" / "deeper" / "tool", os.X_OK)
    assert not os.access(tmp_path / "out" / "a.txt", os.X_OK)


def test_the_nar_of_a_checked_out_tree_is_the_originals(oracle: Any, tmp_path: Path) -> None:
    blobs, directories = MemoryBlobService(), MemoryDirectoryService()
    source = make_tree(tmp_path / "in")
    checkout(ingest_path(source, blobs, directories), tmp_path / "out", blobs, directories)
    dumped = oracle.run("nix-store", "--dump", tmp_path / "out").stdout
    assert dumped == oracle.run("nix-store", "--dump", source).stdout


@pytest.mark.parametrize("kind", ["file", "symlink"])
def test_a_root_that_is_not_a_directory_is_written_as_itself(tmp_path: Path, kind: str) -> None:
    blobs, directories = MemoryBlobService(), MemoryDirectoryService()
    source = tmp_path / "in"
    if kind == "file":
        source.write_bytes(b"alone\n")
    else:
        source.symlink_to("elsewhere")
    node = ingest_path(source, blobs, directories)
    checkout(node, tmp_path / "out", blobs, directories)
    assert ingest_path(tmp_path / "out", blobs, directories) == node


def test_missing_contents_are_an_error(tmp_path: Path) -> None:
    blobs, directories = MemoryBlobService(), MemoryDirectoryService()
    absent = DirectoryNode(
        ingest_path(make_tree(tmp_path / "in"), MemoryBlobService(), directories).digest, 1
    )
    with pytest.raises(BlobNotFoundError):
        checkout(absent, tmp_path / "out", blobs, directories)
    with pytest.raises(DirectoryNotFoundError):
        checkout(absent, tmp_path / "out2", blobs, MemoryDirectoryService())
    missing_file = FileNode(absent.digest, 3)
    with pytest.raises(BlobNotFoundError):
        checkout(missing_file, tmp_path / "out3", blobs, directories)


def test_an_existing_target_is_not_written_into(tmp_path: Path) -> None:
    blobs, directories = MemoryBlobService(), MemoryDirectoryService()
    node = ingest_path(make_tree(tmp_path / "in"), blobs, directories)
    (tmp_path / "out").mkdir()
    with pytest.raises(FileExistsError):
        checkout(node, tmp_path / "out", blobs, directories)
