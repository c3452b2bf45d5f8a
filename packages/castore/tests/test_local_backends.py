"""Every in-process backend passes the shared conformance tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tvix_castore.blobs.chunked import ChunkingParams
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.blobs.objectstore import ObjectStoreBlobService
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.directories.objectstore import ObjectStoreDirectoryService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.directories.sqlite import SqliteDirectoryService
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
