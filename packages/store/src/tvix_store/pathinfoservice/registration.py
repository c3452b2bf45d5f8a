"""The PathInfo backends tvix-store ships, registered with castore's composition.

They form the family ``pathinfoservices``; a description may refer from it to the blob and
directory services it needs by name, as Tvix's does::

    [pathinfoservices.root]
    type = "cache"
    near = "local"
    far = "remote"
"""

from __future__ import annotations

from typing import Any, Final

from tvix_castore.composition import (
    REGISTRY,
    BuildContext,
    Composition,
    Family,
    Spec,
    memory_spec,
    sqlite_spec,
)
from tvix_castore.errors import CompositionError
from tvix_castore.grpc_url import GRPC_SCHEMES, check_grpc_url

from tvix_store.pathinfoservice.service import PathInfoService

__all__ = ["PATH_INFO_SERVICES", "path_info_service", "path_info_service_from_url"]

PATH_INFO_SERVICES: Final[Family[PathInfoService]] = Family("pathinfoservices", "path info service")


def path_info_service_from_url(url: str) -> PathInfoService:
    """The PathInfo service a URL names; CompositionError for unknown schemes or options."""
    from tvix_castore.composition import service_from_url

    return service_from_url(PATH_INFO_SERVICES, url)


def path_info_service(composition: Composition, name: str = "root") -> PathInfoService:
    return composition.build(PATH_INFO_SERVICES, name)


@REGISTRY.register_scheme(PATH_INFO_SERVICES, "memory")
def _memory_url(url: str) -> dict[str, Any]:
    return memory_spec(url)


@REGISTRY.register(PATH_INFO_SERVICES, "memory")
def _memory(spec: Spec, context: BuildContext) -> PathInfoService:
    from tvix_store.pathinfoservice.memory import MemoryPathInfoService

    return MemoryPathInfoService()


REGISTRY.register_scheme(PATH_INFO_SERVICES, "sqlite")(sqlite_spec)


@REGISTRY.register(PATH_INFO_SERVICES, "sqlite", required={"path"})
def _sqlite(spec: Spec, context: BuildContext) -> PathInfoService:
    from tvix_store.pathinfoservice.sqlite import SqlitePathInfoService

    return SqlitePathInfoService(context.string(spec, "path"))


@REGISTRY.register_scheme(PATH_INFO_SERVICES, *GRPC_SCHEMES)
def _grpc_url(url: str) -> dict[str, Any]:
    return {"type": "grpc", "url": url}


@REGISTRY.register(PATH_INFO_SERVICES, "grpc", required={"url"})
def _grpc(spec: Spec, context: BuildContext) -> PathInfoService:
    from tvix_castore.grpc_channel import channel_from_url

    from tvix_store.pathinfoservice.grpc import GrpcPathInfoService

    url = check_grpc_url(context, spec)
    return GrpcPathInfoService(channel_from_url(url), where=url)


@REGISTRY.register(PATH_INFO_SERVICES, "cache", required={"near", "far"})
def _cache(spec: Spec, context: BuildContext) -> PathInfoService:
    from tvix_store.pathinfoservice.combinators import CachePathInfoService

    near = context.service(PATH_INFO_SERVICES, spec, "near")
    far = context.service(PATH_INFO_SERVICES, spec, "far")
    return CachePathInfoService(near, far)


@REGISTRY.register(PATH_INFO_SERVICES, "lru", required={"capacity"})
def _lru(spec: Spec, context: BuildContext) -> PathInfoService:
    from tvix_store.pathinfoservice.combinators import LruPathInfoService

    capacity = spec["capacity"]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise context.error(f"capacity must be a whole number of at least 1, not {capacity!r}")
    return LruPathInfoService(capacity)


def _services(spec: Spec, context: BuildContext) -> list[PathInfoService]:
    names = spec["services"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise context.error("services must be a list of service names, not empty")
    return [context.composition.build(PATH_INFO_SERVICES, name) for name in names]


@REGISTRY.register(PATH_INFO_SERVICES, "priority", required={"services"})
def _priority(spec: Spec, context: BuildContext) -> PathInfoService:
    from tvix_store.pathinfoservice.combinators import PriorityPathInfoService

    return PriorityPathInfoService(_services(spec, context))


@REGISTRY.register(PATH_INFO_SERVICES, "first-answer", required={"services"})
def _first_answer(spec: Spec, context: BuildContext) -> PathInfoService:
    from tvix_store.pathinfoservice.combinators import FirstAnswerPathInfoService

    return FirstAnswerPathInfoService(_services(spec, context))


@REGISTRY.register(PATH_INFO_SERVICES, "keyfile-signing", required={"inner", "keyfile"})
def _signing(spec: Spec, context: BuildContext) -> PathInfoService:
    from nix_compat.errors import NixCompatError
    from nix_compat.signing import SigningKey

    from tvix_store.pathinfoservice.combinators import SigningPathInfoService

    keyfile = context.string(spec, "keyfile")
    try:
        with open(keyfile) as file:
            key = SigningKey.parse(file.read())
    except OSError as exc:
        raise context.error(f"keyfile {keyfile}: {exc.strerror}") from None
    except NixCompatError as exc:
        raise context.error(f"keyfile {keyfile}: {exc}") from None
    return SigningPathInfoService(context.service(PATH_INFO_SERVICES, spec, "inner"), key)


@REGISTRY.register_scheme(PATH_INFO_SERVICES, "postgresql", "postgres")
def _postgres_url(url: str) -> dict[str, Any]:
    return {"type": "postgres", "url": url}


@REGISTRY.register(PATH_INFO_SERVICES, "postgres", required={"url"})
def _postgres(spec: Spec, context: BuildContext) -> PathInfoService:
    backend = context.load("tvix_store.pathinfoservice.postgres", "tvix-store[postgres]")
    service: PathInfoService = backend.PostgresPathInfoService(context.string(spec, "url"))
    return service


@REGISTRY.register_scheme(PATH_INFO_SERVICES, "nix+http", "nix+https", "nix+file")
def _nix_url(url: str) -> dict[str, Any]:
    from tvix_store.binary_cache.transport import split_options

    bare, options = split_options(url)
    unknown = set(options) - {"trusted-public-keys"}
    if unknown:
        raise CompositionError(url, f"unknown option {sorted(unknown)[0]!r}")
    spec: dict[str, Any] = {"type": "nix", "base_url": bare.removeprefix("nix+")}
    if "trusted-public-keys" in options:
        spec["public_keys"] = options["trusted-public-keys"].split()
    return spec


@REGISTRY.register(
    PATH_INFO_SERVICES,
    "nix",
    required={"base_url"},
    optional={"blob_service", "directory_service", "public_keys"},
)
def _nix(spec: Spec, context: BuildContext) -> PathInfoService:
    from nix_compat.errors import NixCompatError
    from nix_compat.signing import VerifyingKey
    from tvix_castore.composition import BLOB_SERVICES, DIRECTORY_SERVICES

    from tvix_store.binary_cache.transport import transport_for
    from tvix_store.errors import BinaryCacheError
    from tvix_store.pathinfoservice.nix_http import NixHttpPathInfoService

    keys = spec.get("public_keys")
    if keys is not None and (
        not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)
    ):
        raise context.error("public_keys must be a list of strings")
    try:
        public_keys = None if keys is None else [VerifyingKey.parse(k) for k in keys]
    except NixCompatError as exc:
        raise context.error(f"public_keys: {exc}") from None
    base_url = context.string(spec, "base_url")
    try:
        transport = transport_for(base_url)
    except BinaryCacheError as exc:
        raise context.error(str(exc)) from None
    blobs = context.service(BLOB_SERVICES, spec, "blob_service", "root")
    directories = context.service(DIRECTORY_SERVICES, spec, "directory_service", "root")
    return NixHttpPathInfoService(
        base_url, blobs, directories, public_keys=public_keys, transport=transport
    )
