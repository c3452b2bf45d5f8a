"""Every in-process backend passes the shared conformance tests."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tvix_castore.blobs.chunked import ChunkingParams
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.blobs.objectstore import ObjectStoreBlobService, object_key
from tvix_castore.blobs.service import BlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.directories.objectstore import ObjectStoreDirectoryService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.directories.sqlite import SqliteDirectoryService
from tvix_castore.errors import BlobCorruptError, BlobNotFoundError
from tvix_castore.testing import BlobServiceTests, DirectoryServiceTests


class WithTmp:
    tmp: Path

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path: Path) -> None:
        self.tmp = tmp_path


class TestMemoryBlobs(BlobServiceTests):
    def make_service(self) -> BlobService:
        return MemoryBlobService()


class TestObjectStoreMemoryBlobs(BlobServiceTests):
    def make_service(self) -> BlobService:
        return ObjectStoreBlobService.memory(chunking=ChunkingParams(64 * 1024))


class TestObjectStoreFileBlobs(WithTmp, BlobServiceTests):
    def make_service(self) -> BlobService:
        return ObjectStoreBlobService.local(self.tmp / "blobs", chunking=ChunkingParams(64 * 1024))


class TestMemoryDirectories(DirectoryServiceTests):
    def make_service(self) -> DirectoryService:
        return MemoryDirectoryService()


class TestSqliteFileDirectories(WithTmp, DirectoryServiceTests):
    def make_service(self) -> DirectoryService:
        return SqliteDirectoryService(self.tmp / "dirs.sqlite")


class TestSqliteInMemoryDirectories(DirectoryServiceTests):
    def make_service(self) -> DirectoryService:
        return SqliteDirectoryService(":memory:")


class TestObjectStoreFileDirectories(WithTmp, DirectoryServiceTests):
    SUBTREE_LOOKUP = False

    def make_service(self) -> DirectoryService:
        return ObjectStoreDirectoryService.local(self.tmp / "dirs")


class TestObjectStoreMemoryDirectories(DirectoryServiceTests):
    SUBTREE_LOOKUP = False

    def make_service(self) -> DirectoryService:
        return ObjectStoreDirectoryService.memory()


def _store_blob(blobs: BlobService, data: bytes) -> B3Digest:
    with blobs.open_write() as writer:
        writer.write(data)
        return writer.close()


def _flip_byte_in(path: Path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x01
    path.write_bytes(bytes(raw))


def test_a_corrupt_chunk_on_disk_is_refused_before_its_bytes_are_returned(
    tmp_path: Path,
) -> None:
    """The chunk listing is the store's own record, so reads check chunks, not the whole
    blob again: a chunk damaged on disk must still never be returned as the blob's bytes."""
    blobs = ObjectStoreBlobService.local(tmp_path, chunking=ChunkingParams(64 * 1024))
    data = random.Random(7).randbytes(1 << 20)
    digest = _store_blob(blobs, data)
    stat = blobs.stat(digest)
    assert stat is not None and len(stat.chunks) > 2
    second = stat.chunks[1]
    _flip_byte_in(tmp_path / object_key("chunks", second.digest), 10)
    returned = bytearray()
    with blobs.open_read(digest) as reader, pytest.raises(BlobCorruptError) as caught:
        while piece := reader.read(4096):
            returned += piece
    assert str(second.digest) in str(caught.value)
    assert len(returned) <= stat.chunks[0].size
    assert data.startswith(bytes(returned))


def test_a_corrupt_single_chunk_blob_on_disk_is_refused(tmp_path: Path) -> None:
    blobs = ObjectStoreBlobService.local(tmp_path)
    digest = _store_blob(blobs, b"a small file's contents")
    _flip_byte_in(tmp_path / object_key("chunks", digest), 0)
    with pytest.raises(BlobCorruptError):
        blobs.open_read(digest).read()


def test_a_missing_chunk_on_disk_is_a_missing_blob_error(tmp_path: Path) -> None:
    blobs = ObjectStoreBlobService.local(tmp_path, chunking=ChunkingParams(64 * 1024))
    digest = _store_blob(blobs, random.Random(8).randbytes(1 << 20))
    stat = blobs.stat(digest)
    assert stat is not None
    (tmp_path / object_key("chunks", stat.chunks[-1].digest)).unlink()
    with blobs.open_read(digest) as reader, pytest.raises(BlobNotFoundError):
        while reader.read(1 << 16):
            pass
