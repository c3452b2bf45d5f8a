"""Building services from URLs, or a graph of named services from a TOML/JSON description.

URLs (as in Tvix): ``memory://``, ``sqlite:///path`` (directories), ``objectstore+file:///p``,
``objectstore+memory://``, ``objectstore+s3://bucket/prefix?endpoint=…``, ``grpc+unix:///s``,
``grpc+http://host:port``. A description names services and lets them refer to each other::

    [blobservices.root]
    type = "cache"
    near = "near"
    far = "remote"

    [blobservices.near]
    type = "memory"

    [blobservices.remote]
    type = "grpc"
    url = "grpc+unix:///run/castore.sock"

Types: ``memory``, ``objectstore`` (``object_store_url``, ``object_store_options``,
``avg_chunk_size`` for blobs), ``sqlite`` (``path``, directories), ``grpc`` (``url``),
``cache`` (``near``, ``far``; ``combined`` is an alias for blobs), and ``url`` (``url``).
The service called ``root`` is the one used unless another name is asked for.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, urlsplit

from tvix_castore.blobs.chunked import ChunkingParams
from tvix_castore.blobs.combinator import CachedBlobService
from tvix_castore.blobs.grpc import GrpcBlobService
from tvix_castore.blobs.memory import MemoryBlobService
from tvix_castore.blobs.objectstore import ObjectStoreBlobService
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.combinator import CachedDirectoryService
from tvix_castore.directories.grpc import GrpcDirectoryService
from tvix_castore.directories.memory import MemoryDirectoryService
from tvix_castore.directories.objectstore import ObjectStoreDirectoryService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.directories.sqlite import SqliteDirectoryService
from tvix_castore.errors import CompositionError
from tvix_castore.grpc_channel import channel_from_url
from tvix_castore.object_stores import open_object_store

__all__ = [
    "Composition",
    "blob_service_from_url",
    "directory_service_from_url",
]

_GRPC: Final = ("grpc+unix", "grpc+http", "grpc+https")


def _chunking(where: str, value: object) -> ChunkingParams:
    try:
        return ChunkingParams.from_option(value if value is None else str(value))
    except CompositionError as exc:
        raise CompositionError(where, exc.reason) from None


def blob_service_from_url(url: str) -> BlobService:
    """The blob service a URL names; CompositionError for unknown schemes or options."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        if url.rstrip("/") != "memory:":
            raise CompositionError(url, "memory:// takes no path or options")
        return MemoryBlobService()
    if scheme.startswith("objectstore+"):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        chunking = _chunking(url, query.pop("avg_chunk_size", None))
        store, root = open_object_store(parts._replace(query="").geturl(), query)
        return ObjectStoreBlobService(store, chunking=chunking, local_root=root)
    if scheme in _GRPC:
        return GrpcBlobService(channel_from_url(url))
    raise CompositionError(url, f"unknown blob service scheme {scheme!r}")


def directory_service_from_url(url: str) -> DirectoryService:
    """The directory service a URL names; CompositionError for unknown schemes or options."""
    parts = urlsplit(url)
    if parts.scheme == "memory":
        if url.rstrip("/") != "memory:":
            raise CompositionError(url, "memory:// takes no path or options")
        return MemoryDirectoryService()
    if parts.scheme == "sqlite":
        if parts.query or parts.netloc:
            raise CompositionError(url, "sqlite takes an absolute path and no options")
        return SqliteDirectoryService(parts.path or ":memory:")
    if parts.scheme.startswith("objectstore+"):
        store, root = open_object_store(url)
        return ObjectStoreDirectoryService(store, local_root=root)
    if parts.scheme in _GRPC:
        return GrpcDirectoryService(channel_from_url(url))
    raise CompositionError(url, f"unknown directory service scheme {parts.scheme!r}")


T = TypeVar("T")


def _options(where: str, spec: Mapping[str, Any], required: set[str], optional: set[str]) -> None:
    keys = set(spec) - {"type"}
    unknown = keys - required - optional
    if unknown:
        raise CompositionError(where, f"unknown option {sorted(unknown)[0]!r}")
    missing = required - keys
    if missing:
        raise CompositionError(where, f"missing option {sorted(missing)[0]!r}")


def _string(where: str, spec: Mapping[str, Any], key: str) -> str:
    value = spec[key]
    if not isinstance(value, str):
        raise CompositionError(where, f"{key} must be a string, not {type(value).__name__}")
    return value


class Composition:
    """Named blob and directory services described as data; built on demand, each once."""

    def __init__(self, description: Mapping[str, Any]):
        unknown = set(description) - {"blobservices", "directoryservices"}
        if unknown:
            raise CompositionError(sorted(unknown)[0], "unknown section")
        self._specs: dict[str, Mapping[str, Any]] = {}
        for section in ("blobservices", "directoryservices"):
            entries = description.get(section, {})
            if not isinstance(entries, Mapping):
                raise CompositionError(section, "must be a table of named services")
            for name, spec in entries.items():
                if not isinstance(spec, Mapping) or not isinstance(spec.get("type"), str):
                    raise CompositionError(f"{section}.{name}", "needs a table with a 'type'")
                self._specs[f"{section}.{name}"] = spec
        self._built: dict[str, object] = {}
        self._building: list[str] = []

    @classmethod
    def from_text(cls, text: str, fmt: str) -> Composition:
        try:
            data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise CompositionError(f"composition ({fmt})", str(exc)) from None
        if not isinstance(data, dict):
            raise CompositionError(f"composition ({fmt})", "must be a table/object")
        return cls(data)

    @classmethod
    def from_file(cls, path: str | Path) -> Composition:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise CompositionError(str(path), exc.strerror or str(exc)) from None
        return cls.from_text(text, "json" if path.suffix == ".json" else "toml")

    def _build(self, key: str, make: Callable[[str, Mapping[str, Any]], T]) -> T:
        if key in self._built:
            return self._built[key]  # type: ignore[return-value]
        if key in self._building:
            cycle = " -> ".join([*self._building[self._building.index(key) :], key])
            raise CompositionError(key, f"services refer to each other in a cycle: {cycle}")
        spec = self._specs.get(key)
        if spec is None:
            raise CompositionError(key, "no such service is described")
        self._building.append(key)
        try:
            built = make(key, spec)
        finally:
            self._building.pop()
        self._built[key] = built
        return built

    def blob_service(self, name: str = "root") -> BlobService:
        return self._build(f"blobservices.{name}", self._make_blob)

    def directory_service(self, name: str = "root") -> DirectoryService:
        return self._build(f"directoryservices.{name}", self._make_directory)

    def _make_blob(self, where: str, spec: Mapping[str, Any]) -> BlobService:
        kind = spec["type"]
        if kind == "memory":
            _options(where, spec, set(), set())
            return MemoryBlobService()
        if kind == "objectstore":
            _options(where, spec, {"object_store_url"}, {"object_store_options", "avg_chunk_size"})
            store, root = self._store(where, spec)
            chunking = _chunking(where, spec.get("avg_chunk_size"))
            return ObjectStoreBlobService(store, chunking=chunking, local_root=root)
        if kind in ("cache", "combined"):
            _options(where, spec, {"near", "far"}, set())
            near = self.blob_service(_string(where, spec, "near"))
            far = self.blob_service(_string(where, spec, "far"))
            return CachedBlobService(near, far)
        if kind in ("grpc", "url"):
            _options(where, spec, {"url"}, set())
            url = _string(where, spec, "url")
            if kind == "grpc" and urlsplit(url).scheme not in _GRPC:
                raise CompositionError(where, f"not a gRPC URL: {url}")
            return blob_service_from_url(url)
        raise CompositionError(where, f"unknown blob service type {kind!r}")

    def _make_directory(self, where: str, spec: Mapping[str, Any]) -> DirectoryService:
        kind = spec["type"]
        if kind == "memory":
            _options(where, spec, set(), set())
            return MemoryDirectoryService()
        if kind == "sqlite":
            _options(where, spec, {"path"}, set())
            return SqliteDirectoryService(_string(where, spec, "path"))
        if kind == "objectstore":
            _options(where, spec, {"object_store_url"}, {"object_store_options"})
            store, root = self._store(where, spec)
            return ObjectStoreDirectoryService(store, local_root=root)
        if kind == "cache":
            _options(where, spec, {"near", "far"}, set())
            near = self.directory_service(_string(where, spec, "near"))
            far = self.directory_service(_string(where, spec, "far"))
            return CachedDirectoryService(near, far)
        if kind in ("grpc", "url"):
            _options(where, spec, {"url"}, set())
            url = _string(where, spec, "url")
            if kind == "grpc" and urlsplit(url).scheme not in _GRPC:
                raise CompositionError(where, f"not a gRPC URL: {url}")
            return directory_service_from_url(url)
        raise CompositionError(where, f"unknown directory service type {kind!r}")

    @staticmethod
    def _store(where: str, spec: Mapping[str, Any]) -> Any:
        options = spec.get("object_store_options", {})
        if not isinstance(options, Mapping):
            raise CompositionError(where, "object_store_options must be a table")
        url = _string(where, spec, "object_store_url")
        try:
            return open_object_store(url, {str(k): str(v) for k, v in options.items()})
        except CompositionError as exc:
            raise CompositionError(where, f"{exc.where}: {exc.reason}") from None
