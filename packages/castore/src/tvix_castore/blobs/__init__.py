"""Blob services: the protocol, and the memory, object store, gRPC and cache backends.

The backends live in modules of their own (``blobs.objectstore`` needs the ``s3`` extra).
"""

from tvix_castore.blobs.chunked import ChunkedReader, Chunker, ChunkingParams
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.blobs.service import BlobService, BlobStat, BlobWriter, ChunkMeta

__all__ = [
    "BlobService",
    "BlobStat",
    "BlobWriter",
    "ChunkMeta",
    "ChunkedReader",
    "Chunker",
    "ChunkingParams",
    "MemoryBlobService",
]
