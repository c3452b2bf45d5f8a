"""Blob services: the protocol, and the memory, object store, gRPC and cache backends."""

from tvix_castore.blobs.chunked import ChunkedReader, Chunker, ChunkingParams
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.blobs.objectstore import ObjectStoreBlobService
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
    "ObjectStoreBlobService",
]
