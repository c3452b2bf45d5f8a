"""Services from URLs, or a graph of named services from a TOML/JSON description.

Backends are not listed here: each registers itself with :data:`REGISTRY` under a service
family (``blobservices``, ``directoryservices``; tvix-store adds ``pathinfoservices``), a
composition type, and the URL schemes it answers to. So a package built on castore adds
families and backends without editing this module: it registers them in a module named by an
entry point of the group ``tvix.services`` (castore's own are imported first).

A URL is turned into the description of one service, then built like any other, so both ways
of naming a service accept the same options. A description names services and lets them
refer to each other::

    [blobservices.root]
    type = "cache"
    near = "near"
    far = "remote"

    [blobservices.near]
    type = "memory"

    [blobservices.remote]
    type = "grpc"
    url = "grpc+unix:///run/castore.sock"

Every family has the type ``url`` (``url``: any URL of that family). The service called
``root`` is the one used unless another name is asked for.
"""

from __future__ import annotations

import importlib
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar
from urllib.parse import unquote, urlsplit

from tvix_castore.errors import CompositionError

if TYPE_CHECKING:
    from tvix_castore.blobs.service import BlobService
    from tvix_castore.directories.service import DirectoryService

__all__ = [
    "BLOB_SERVICES",
    "DIRECTORY_SERVICES",
    "REGISTRY",
    "Backend",
    "BuildContext",
    "Composition",
    "Family",
    "Registry",
    "blob_service_from_url",
    "directory_service_from_url",
    "memory_spec",
    "service_from_url",
    "sqlite_spec",
]

T = TypeVar("T")
Spec = Mapping[str, Any]

#: The entry point group naming modules that register backends when imported.
ENTRY_POINT_GROUP: Final = "tvix.services"
#: castore's own backends, imported even where package metadata is missing.
_BUILTIN_MODULES: Final = (
    "tvix_castore.blobs.registration",
    "tvix_castore.directories.registration",
)


@dataclass(frozen=True)
class Family(Generic[T]):
    """A kind of service (``T`` is its protocol): the section of a description that holds
    them (``blobservices``), and how messages name one (``blob service``)."""

    section: str
    title: str

    def __str__(self) -> str:
        return self.section


@dataclass(frozen=True)
class BuildContext:
    """What a backend's builder gets besides its options: where it is (for error messages)
    and the composition, to build the services it refers to by name."""

    where: str
    composition: Composition

    def error(self, reason: str) -> CompositionError:
        return CompositionError(self.where, reason)

    def string(self, spec: Spec, key: str) -> str:
        """Option ``key`` of ``spec``, which must be a string."""
        value = spec[key]
        if not isinstance(value, str):
            raise self.error(f"{key} must be a string, not {type(value).__name__}")
        return value

    def table(self, spec: Spec, key: str) -> dict[str, str]:
        """Option ``key`` of ``spec`` as a table of strings (empty when absent)."""
        value = spec.get(key, {})
        if not isinstance(value, Mapping):
            raise self.error(f"{key} must be a table")
        return {str(k): str(v) for k, v in value.items()}

    def load(self, module: str, extra: str) -> ModuleType:
        """Import a backend's module, whose library comes with the distribution's ``extra``
        (``tvix-castore[s3]``): missing, it is one clear error rather than an ImportError."""
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError as exc:
            raise self.error(
                f"needs {exc.name}, which is not installed: pip install '{extra}'"
            ) from None

    def service(self, family: Family[T], spec: Spec, key: str, default: str | None = None) -> T:
        """The service of ``family`` that option ``key`` names (``default`` when the option
        is not given, if there is one)."""
        if default is not None and key not in spec:
            return self.composition.build(family, default)
        return self.composition.build(family, self.string(spec, key))


Builder = Callable[[Spec, BuildContext], T]
UrlParser = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Backend(Generic[T]):
    """One composition type of a family: its options and how to build it."""

    family: Family[T]
    type: str
    build: Builder[T]
    required: frozenset[str]
    optional: frozenset[str]

    def check_options(self, where: str, spec: Spec) -> None:
        keys = set(spec) - {"type"}
        unknown = keys - self.required - self.optional
        if unknown:
            raise CompositionError(where, f"unknown option {sorted(unknown)[0]!r}")
        missing = self.required - keys
        if missing:
            raise CompositionError(where, f"missing option {sorted(missing)[0]!r}")


@dataclass
class Registry:
    """Backends by (family, type) and URL schemes by (family, scheme).

    A scheme registered as ``objectstore+*`` answers to every scheme with that prefix."""

    _families: dict[str, Family[Any]] = field(default_factory=dict)
    _backends: dict[tuple[str, str], Backend[Any]] = field(default_factory=dict)
    _schemes: dict[tuple[str, str], UrlParser] = field(default_factory=dict)
    _loaded: bool = False

    def register(
        self,
        family: Family[T],
        type_name: str,
        *,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> Callable[[Builder[T]], Builder[T]]:
        """Decorate the builder of a composition type of ``family``."""

        def add(build: Builder[T]) -> Builder[T]:
            self._families.setdefault(family.section, family)
            key = (family.section, type_name)
            self._backends[key] = Backend(
                family, type_name, build, frozenset(required), frozenset(optional)
            )
            return build

        return add

    def register_scheme(self, family: Family[T], *schemes: str) -> Callable[[UrlParser], UrlParser]:
        """Decorate the function turning a URL of these schemes into a service description."""

        def add(parse: UrlParser) -> UrlParser:
            self._families.setdefault(family.section, family)
            for scheme in schemes:
                self._schemes[(family.section, scheme)] = parse
            return parse

        return add

    def families(self) -> dict[str, Family[Any]]:
        self._load()
        return dict(self._families)

    def backend(self, family: Family[T], type_name: str, where: str) -> Backend[T]:
        self._load()
        found = self._backends.get((family.section, type_name))
        if found is None:
            known = sorted(t for f, t in self._backends if f == family.section)
            raise CompositionError(
                where,
                f"unknown {family.title} type {type_name!r} (known: {', '.join(known)})",
            )
        return found

    def describe_url(self, family: Family[Any], url: str) -> dict[str, Any]:
        """The one-service description a URL stands for."""
        self._load()
        if not url:
            raise CompositionError("''", f"an empty string is not a {family.title} URL")
        try:
            scheme = urlsplit(url).scheme
        except ValueError as exc:
            raise CompositionError(url, str(exc)) from None
        parse = self._schemes.get((family.section, scheme))
        if parse is None and "+" in scheme:
            parse = self._schemes.get((family.section, scheme.split("+", 1)[0] + "+*"))
        if parse is None:
            known = sorted(s for f, s in self._schemes if f == family.section)
            raise CompositionError(
                url,
                f"unknown {family.title} scheme {scheme!r} (known: {', '.join(known)})",
            )
        return parse(url)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            if entry.value not in _BUILTIN_MODULES:
                entry.load()


#: The registry every composition and URL lookup uses.
REGISTRY: Final = Registry()


BLOB_SERVICES: Final[Family[BlobService]] = Family("blobservices", "blob service")
DIRECTORY_SERVICES: Final[Family[DirectoryService]] = Family(
    "directoryservices", "directory service"
)


class Composition:
    """Named services described as data; built on demand, each once."""

    def __init__(self, description: Mapping[str, Any], registry: Registry = REGISTRY):
        self._registry = registry
        families = registry.families()
        unknown = set(description) - set(families)
        if unknown:
            raise CompositionError(sorted(unknown)[0], "unknown section")
        self._specs: dict[str, Spec] = {}
        for section in families:
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
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, ValueError) as exc:
            raise CompositionError(f"composition ({fmt})", str(exc)) from None
        except RecursionError:
            raise CompositionError(f"composition ({fmt})", "nested too deeply") from None
        if not isinstance(data, dict):
            raise CompositionError(f"composition ({fmt})", "must be a table/object")
        return cls(data)

    @classmethod
    def from_file(cls, path: str | Path) -> Composition:
        path = Path(path)
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise CompositionError(str(path), reason) from None
        return cls.from_text(text, "json" if path.suffix == ".json" else "toml")

    def build(self, family: Family[T], name: str = "root") -> T:
        """The service ``name`` of ``family``, built once (with what it refers to)."""
        key = f"{family.section}.{name}"
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
            built = self._make(family, key, spec)
        finally:
            self._building.pop()
        self._built[key] = built
        return built

    def _make(self, family: Family[T], where: str, spec: Spec) -> T:
        context = BuildContext(where, self)
        if spec["type"] == "url":
            if set(spec) != {"type", "url"}:
                extra = sorted(set(spec) - {"type", "url"})
                raise context.error(f"unknown option {extra[0]!r}" if extra else "missing 'url'")
            url = context.string(spec, "url")
            return self._make(family, url, self._registry.describe_url(family, url))
        backend = self._registry.backend(family, spec["type"], where)
        backend.check_options(where, spec)
        return backend.build(spec, context)

    def provide(self, family: Family[T], name: str, service: T) -> None:
        """Use ``service``, already made, as the service ``name`` of ``family`` (as services
        a program holds open are given to those it describes)."""
        self._built[f"{family.section}.{name}"] = service

    def blob_service(self, name: str = "root") -> BlobService:
        return self.build(BLOB_SERVICES, name)

    def directory_service(self, name: str = "root") -> DirectoryService:
        return self.build(DIRECTORY_SERVICES, name)


def memory_spec(url: str) -> dict[str, Any]:
    """The description of ``memory://``, which takes no path or options."""
    if url.rstrip("/") != "memory:":
        raise CompositionError(url, "memory:// takes no path or options")
    return {"type": "memory"}


def sqlite_spec(url: str) -> dict[str, Any]:
    """The description of ``sqlite:///path`` (``sqlite://`` alone: one in memory)."""
    parts = urlsplit(url)
    if parts.query or parts.netloc:
        raise CompositionError(url, "sqlite takes an absolute path and no options")
    return {"type": "sqlite", "path": unquote(parts.path) or ":memory:"}


def service_from_url(family: Family[T], url: str) -> T:
    """The service a URL names; CompositionError for unknown schemes or options."""
    return Composition({})._make(family, url, REGISTRY.describe_url(family, url))


def blob_service_from_url(url: str) -> BlobService:
    """The blob service a URL names; CompositionError for unknown schemes or options."""
    return service_from_url(BLOB_SERVICES, url)


def directory_service_from_url(url: str) -> DirectoryService:
    """The directory service a URL names; CompositionError for unknown schemes or options."""
    return service_from_url(DIRECTORY_SERVICES, url)
