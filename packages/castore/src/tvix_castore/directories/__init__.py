"""Directory services: the protocol, closure rules, and memory, sqlite, object store, gRPC
and cache backends."""

from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.directories.objectstore import ObjectStoreDirectoryService
from tvix_castore.directories.service import (
    ClosureValidator,
    DirectoryPutter,
    DirectoryService,
    traverse,
)
from tvix_castore.directories.sqlite import SqliteDirectoryService

__all__ = [
    "ClosureValidator",
    "DirectoryPutter",
    "DirectoryService",
    "MemoryDirectoryService",
    "ObjectStoreDirectoryService",
    "SqliteDirectoryService",
    "traverse",
]
