"""Directory services: the protocol, closure rules, and memory, sqlite, object store, gRPC
and cache backends, each in a module of its own (``directories.objectstore`` needs the ``s3``
extra)."""

from tvix_castore.directories.memory import MemoryDirectoryService
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
    "SqliteDirectoryService",
    "traverse",
]
