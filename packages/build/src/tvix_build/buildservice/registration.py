"""The build services tvix-build ships, registered with castore's composition as the family
``buildservices``. A build service reads inputs from and writes outputs to castore: a
description names the blob and directory services it uses (``root`` of each by default)::

    [buildservices.root]
    type = "bwrap"
    blob_service = "root"
    directory_service = "root"

URLs: ``bwrap://`` (a bubblewrap sandbox on this machine), ``dummy://`` (builds nothing),
``grpc+unix://…``, ``grpc+http://…`` (a remote build service, ``tvix-build daemon``).
Another sandbox (OCI, gVisor, a VM) plugs in the same way: a class with ``do_build`` and
``close`` (:class:`~tvix_build.buildservice.service.BuildService`), registered here under its
type and URL scheme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from tvix_castore.composition import (
    BLOB_SERVICES,
    DIRECTORY_SERVICES,
    REGISTRY,
    BuildContext,
    Composition,
    Family,
    Spec,
)
from tvix_castore.errors import CompositionError
from tvix_castore.grpc_url import GRPC_SCHEMES, check_grpc_url

from tvix_build.buildservice.service import BuildService

if TYPE_CHECKING:
    from tvix_castore.blobs.service import BlobService
    from tvix_castore.directories.service import DirectoryService

__all__ = ["BUILD_SERVICES", "build_service", "build_service_from_url"]

BUILD_SERVICES: Final[Family[BuildService]] = Family("buildservices", "build service")

_CASTORE_OPTIONS: Final = {"blob_service", "directory_service"}


def build_service(composition: Composition, name: str = "root") -> BuildService:
    return composition.build(BUILD_SERVICES, name)


def build_service_from_url(
    url: str, blobs: BlobService | str, directories: DirectoryService | str
) -> BuildService:
    """The build service a URL names, over castore services (open ones, or their URLs)."""
    description: dict[str, Any] = {
        "buildservices": {"root": REGISTRY.describe_url(BUILD_SERVICES, url)}
    }
    if isinstance(blobs, str):
        description["blobservices"] = {"root": {"type": "url", "url": blobs}}
    if isinstance(directories, str):
        description["directoryservices"] = {"root": {"type": "url", "url": directories}}
    composition = Composition(description)
    if not isinstance(blobs, str):
        composition.provide(BLOB_SERVICES, "root", blobs)
    if not isinstance(directories, str):
        composition.provide(DIRECTORY_SERVICES, "root", directories)
    return composition.build(BUILD_SERVICES)


def _bare(url: str, scheme: str) -> dict[str, Any]:
    """A URL of ``scheme`` that takes no host, path or options."""
    parts = urlsplit(url)
    if parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise CompositionError(url, f"a {scheme}:// URL takes no host, path or options")
    return {"type": scheme}


@REGISTRY.register_scheme(BUILD_SERVICES, "bwrap")
def _bwrap_url(url: str) -> dict[str, Any]:
    return _bare(url, "bwrap")


@REGISTRY.register(BUILD_SERVICES, "bwrap", optional=_CASTORE_OPTIONS)
def _bwrap(spec: Spec, context: BuildContext) -> BuildService:
    from tvix_build.buildservice.bwrap import BwrapBuildService

    blobs = context.service(BLOB_SERVICES, spec, "blob_service", "root")
    directories = context.service(DIRECTORY_SERVICES, spec, "directory_service", "root")
    return BwrapBuildService(blobs, directories)


@REGISTRY.register_scheme(BUILD_SERVICES, "dummy")
def _dummy_url(url: str) -> dict[str, Any]:
    return _bare(url, "dummy")


@REGISTRY.register(BUILD_SERVICES, "dummy")
def _dummy(spec: Spec, context: BuildContext) -> BuildService:
    from tvix_build.buildservice.dummy import DummyBuildService

    return DummyBuildService()


@REGISTRY.register_scheme(BUILD_SERVICES, *GRPC_SCHEMES)
def _grpc_url(url: str) -> dict[str, Any]:
    return {"type": "grpc", "url": url}


@REGISTRY.register(BUILD_SERVICES, "grpc", required={"url"})
def _grpc(spec: Spec, context: BuildContext) -> BuildService:
    from tvix_castore.grpc_channel import channel_from_url

    from tvix_build.buildservice.grpc import GrpcBuildService

    url = check_grpc_url(context, spec)
    return GrpcBuildService(channel_from_url(url), where=url)
