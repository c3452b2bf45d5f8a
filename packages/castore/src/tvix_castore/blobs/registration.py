"""The blob backends castore ships, registered by composition type and URL scheme.

Builders import their backend when called, so a backend whose library is an extra that is not
installed (obstore for object stores) fails only when it is asked for, saying which extra.
"""

from __future__ import annotations

from typing import Any

from tvix_castore.blobs.service import BlobService
from tvix_castore.composition import BLOB_SERVICES, REGISTRY, BuildContext, Spec, memory_spec
from tvix_castore.errors import CompositionError
from tvix_castore.grpc_url import GRPC_SCHEMES, check_grpc_url

__all__: list[str] = []

_OBJECT_STORE_EXTRA = "tvix-castore[s3]"


@REGISTRY.register_scheme(BLOB_SERVICES, "memory")
def _memory_url(url: str) -> dict[str, Any]:
    return memory_spec(url)


@REGISTRY.register(BLOB_SERVICES, "memory")
def _memory(spec: Spec, context: BuildContext) -> BlobService:
    from tvix_castore.blobs.memory import MemoryBlobService

    return MemoryBlobService()


@REGISTRY.register_scheme(BLOB_SERVICES, "objectstore+*")
def _objectstore_url(url: str) -> dict[str, Any]:
    from tvix_castore.object_stores import describe_url

    return describe_url(url, chunking=True)


@REGISTRY.register(
    BLOB_SERVICES,
    "objectstore",
    required={"object_store_url"},
    optional={"object_store_options", "avg_chunk_size"},
)
def _objectstore(spec: Spec, context: BuildContext) -> BlobService:
    from tvix_castore.blobs.chunked import ChunkingParams
    from tvix_castore.object_stores import open_from_spec

    value = spec.get("avg_chunk_size")
    try:
        chunking = ChunkingParams.from_option(value if value is None else str(value))
    except CompositionError as exc:
        raise context.error(exc.reason) from None
    backend = context.load("tvix_castore.blobs.objectstore", _OBJECT_STORE_EXTRA)
    store, root = open_from_spec(context, spec)
    service: BlobService = backend.ObjectStoreBlobService(store, chunking=chunking, local_root=root)
    return service


@REGISTRY.register_scheme(BLOB_SERVICES, *GRPC_SCHEMES)
def _grpc_url(url: str) -> dict[str, Any]:
    return {"type": "grpc", "url": url}


@REGISTRY.register(BLOB_SERVICES, "grpc", required={"url"})
def _grpc(spec: Spec, context: BuildContext) -> BlobService:
    from tvix_castore.blobs.grpc import GrpcBlobService
    from tvix_castore.grpc_channel import channel_from_url

    return GrpcBlobService(channel_from_url(check_grpc_url(context, spec)))


def _cache(spec: Spec, context: BuildContext) -> BlobService:
    from tvix_castore.blobs.combinator import CachedBlobService

    near = context.service(BLOB_SERVICES, spec, "near")
    far = context.service(BLOB_SERVICES, spec, "far")
    return CachedBlobService(near, far)


# Tvix calls the blob cache "combined"; "cache" is the name the other families use.
for _name in ("cache", "combined"):
    REGISTRY.register(BLOB_SERVICES, _name, required={"near", "far"})(_cache)
