"""The directory backends castore ships, registered by composition type and URL scheme.

Builders import their backend when called (see :mod:`tvix_castore.blobs.registration`).
"""

from __future__ import annotations

from typing import Any

from tvix_castore.composition import (
    DIRECTORY_SERVICES,
    REGISTRY,
    BuildContext,
    Spec,
    memory_spec,
    sqlite_spec,
)
from tvix_castore.directories.service import DirectoryService
from tvix_castore.grpc_url import GRPC_SCHEMES, check_grpc_url

__all__: list[str] = []


@REGISTRY.register_scheme(DIRECTORY_SERVICES, "memory")
def _memory_url(url: str) -> dict[str, Any]:
    return memory_spec(url)


@REGISTRY.register(DIRECTORY_SERVICES, "memory")
def _memory(spec: Spec, context: BuildContext) -> DirectoryService:
    from tvix_castore.directories.memory import MemoryDirectoryService

    return MemoryDirectoryService()


REGISTRY.register_scheme(DIRECTORY_SERVICES, "sqlite")(sqlite_spec)


@REGISTRY.register(DIRECTORY_SERVICES, "sqlite", required={"path"})
def _sqlite(spec: Spec, context: BuildContext) -> DirectoryService:
    from tvix_castore.directories.sqlite import SqliteDirectoryService

    return SqliteDirectoryService(context.string(spec, "path"))


@REGISTRY.register_scheme(DIRECTORY_SERVICES, "objectstore+*")
def _objectstore_url(url: str) -> dict[str, Any]:
    from tvix_castore.object_stores import describe_url

    return describe_url(url, chunking=False)


@REGISTRY.register(
    DIRECTORY_SERVICES,
    "objectstore",
    required={"object_store_url"},
    optional={"object_store_options"},
)
def _objectstore(spec: Spec, context: BuildContext) -> DirectoryService:
    from tvix_castore.object_stores import open_from_spec

    backend = context.load("tvix_castore.directories.objectstore", "tvix-castore[s3]")
    store, root = open_from_spec(context, spec)
    service: DirectoryService = backend.ObjectStoreDirectoryService(store, local_root=root)
    return service


@REGISTRY.register_scheme(DIRECTORY_SERVICES, *GRPC_SCHEMES)
def _grpc_url(url: str) -> dict[str, Any]:
    return {"type": "grpc", "url": url}


@REGISTRY.register(DIRECTORY_SERVICES, "grpc", required={"url"})
def _grpc(spec: Spec, context: BuildContext) -> DirectoryService:
    from tvix_castore.directories.grpc import GrpcDirectoryService
    from tvix_castore.grpc_channel import channel_from_url

    return GrpcDirectoryService(channel_from_url(check_grpc_url(context, spec)))


@REGISTRY.register(DIRECTORY_SERVICES, "cache", required={"near", "far"})
def _cache(spec: Spec, context: BuildContext) -> DirectoryService:
    from tvix_castore.directories.combinator import CachedDirectoryService

    near = context.service(DIRECTORY_SERVICES, spec, "near")
    far = context.service(DIRECTORY_SERVICES, spec, "far")
    return CachedDirectoryService(near, far)
