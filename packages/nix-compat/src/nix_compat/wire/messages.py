"""Requests and responses of the daemon operations this package speaks.

Each request type knows its op code, how its body is written and read, and how its response is
written and read, all according to a :class:`WireContext` (the negotiated version and the store
directory: store paths travel as absolute paths). Sets go out sorted the way C++ Nix sorts
them, so that what we write is byte for byte what Nix writes.

What the connection does around a request (the log stream, the NAR that follows
AddToStoreNar or NarFromPath) is the business of the client and server helpers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Final, Generic, TypeVar

from nix_compat.content_address import ContentAddress
from nix_compat.errors import HashError, NixCompatError, StorePathError, WireError
from nix_compat.hash import NixHash
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath
from nix_compat.wire._nar_copy import copy_nar
from nix_compat.wire.handshake import PROTOCOL_VERSION, ProtocolVersion
from nix_compat.wire.ops import Op
from nix_compat.wire.primitives import WireReader, WireWriter
from nix_compat.wire.stderr import Verbosity

__all__ = [
    "REQUEST_TYPES",
    "AddTempRoot",
    "AddToStoreNar",
    "ClientSettings",
    "IsValidPath",
    "Missing",
    "NarFromPath",
    "QueryMissing",
    "QueryPathFromHashPart",
    "QueryPathInfo",
    "QueryValidPaths",
    "Request",
    "SetOptions",
    "ValidPathInfo",
    "WireContext",
    "read_optional_store_path",
    "read_request",
    "read_store_path",
    "read_store_paths",
    "write_optional_store_path",
    "write_request",
    "write_store_path",
    "write_store_paths",
]

_SUBSTITUTE_FLAG_SINCE: Final = ProtocolVersion(1, 27)
_SETTINGS_OVERRIDES_SINCE: Final = ProtocolVersion(1, 12)
_PATH_INFO_TRUST_FIELDS_SINCE: Final = ProtocolVersion(1, 16)
_VALID_FLAG_SINCE: Final = ProtocolVersion(1, 17)

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class WireContext:
    """What decoding depends on: the negotiated version and the store directory."""

    version: ProtocolVersion = PROTOCOL_VERSION
    store_dir: str = DEFAULT_STORE_DIR


# -- store paths -----------------------------------------------------------------------------


def read_store_path(reader: WireReader, ctx: WireContext) -> StorePath:
    start = reader.offset
    text = reader.read_str()
    try:
        return StorePath.from_absolute_path(text, ctx.store_dir)
    except StorePathError as e:
        raise WireError(str(e), start) from None


def write_store_path(writer: WireWriter, path: StorePath, ctx: WireContext) -> None:
    writer.write_str(path.to_absolute_path(ctx.store_dir))


def read_optional_store_path(reader: WireReader, ctx: WireContext) -> StorePath | None:
    """A store path or ``""`` for none (Nix never encodes absence with a tag here)."""
    start = reader.offset
    text = reader.read_str()
    if not text:
        return None
    try:
        return StorePath.from_absolute_path(text, ctx.store_dir)
    except StorePathError as e:
        raise WireError(str(e), start) from None


def write_optional_store_path(writer: WireWriter, path: StorePath | None, ctx: WireContext) -> None:
    writer.write_str("" if path is None else path.to_absolute_path(ctx.store_dir))


def read_store_paths(reader: WireReader, ctx: WireContext) -> frozenset[StorePath]:
    return frozenset(reader.read_list(lambda: read_store_path(reader, ctx)))


def write_store_paths(writer: WireWriter, paths: Iterable[StorePath], ctx: WireContext) -> None:
    """A set of paths, in C++ Nix's order: by base name (``<hash>-<name>``)."""
    ordered = sorted(set(paths), key=lambda p: p.base_name)
    writer.write_u64(len(ordered))
    for path in ordered:
        write_store_path(writer, path, ctx)


def _sorted_strings(items: Iterable[str]) -> list[str]:
    """C++ ``std::set<std::string>`` order: by bytes."""
    return sorted(set(items), key=lambda s: s.encode("utf-8", "surrogateescape"))


# -- path info -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValidPathInfo:
    """What the store knows about a valid path (C++ Nix's ``ValidPathInfo``)."""

    path: StorePath
    nar_hash: NixHash
    nar_size: int
    references: frozenset[StorePath] = frozenset()
    deriver: StorePath | None = None
    #: Seconds since the epoch.
    registration_time: int = 0
    #: Built locally rather than substituted or copied (trusted without signatures).
    ultimate: bool = False
    sigs: frozenset[str] = frozenset()
    ca: ContentAddress | None = None

    def __post_init__(self) -> None:
        if self.nar_hash.algo != "sha256":
            raise HashError(f"NAR hash must be sha256, not {self.nar_hash.algo}")

    @classmethod
    def read_unkeyed(cls, reader: WireReader, ctx: WireContext, path: StorePath) -> ValidPathInfo:
        """Everything but the path, which the caller already knows (QueryPathInfo's answer)."""
        deriver = read_optional_store_path(reader, ctx)
        nar_hash = _read_nar_hash(reader)
        references = read_store_paths(reader, ctx)
        registration_time = reader.read_u64()
        nar_size = reader.read_u64()
        ultimate = False
        sigs: frozenset[str] = frozenset()
        ca = None
        if ctx.version >= _PATH_INFO_TRUST_FIELDS_SINCE:
            ultimate = reader.read_bool()
            sigs = frozenset(reader.read_strings())
            ca = _read_content_address(reader)
        return cls(
            path, nar_hash, nar_size, references, deriver, registration_time, ultimate, sigs, ca
        )

    @classmethod
    def read(cls, reader: WireReader, ctx: WireContext) -> ValidPathInfo:
        path = read_store_path(reader, ctx)
        return cls.read_unkeyed(reader, ctx, path)

    def write_unkeyed(self, writer: WireWriter, ctx: WireContext) -> None:
        write_optional_store_path(writer, self.deriver, ctx)
        writer.write_str(self.nar_hash.to_base16())
        write_store_paths(writer, self.references, ctx)
        writer.write_u64(self.registration_time)
        writer.write_u64(self.nar_size)
        if ctx.version >= _PATH_INFO_TRUST_FIELDS_SINCE:
            writer.write_bool(self.ultimate)
            writer.write_strings(_sorted_strings(self.sigs))
            writer.write_str("" if self.ca is None else self.ca.render())

    def write(self, writer: WireWriter, ctx: WireContext) -> None:
        write_store_path(writer, self.path, ctx)
        self.write_unkeyed(writer, ctx)


def _read_nar_hash(reader: WireReader) -> NixHash:
    """Nix sends base16; like Nix, accept any spelling of a sha256 hash."""
    start = reader.offset
    text = reader.read_str()
    try:
        return NixHash.parse(text, "sha256")
    except HashError as e:
        raise WireError(f"bad NAR hash: {e}", start) from None


def _read_content_address(reader: WireReader) -> ContentAddress | None:
    start = reader.offset
    text = reader.read_str()
    if not text:
        return None
    try:
        return ContentAddress.parse(text)
    except NixCompatError as e:
        raise WireError(f"bad content address: {e}", start) from None


# -- requests --------------------------------------------------------------------------------


class Request(ABC, Generic[R]):
    """A request body of operation ``OP`` and the shape of its response ``R``."""

    OP: ClassVar[Op]

    @abstractmethod
    def write_body(self, writer: WireWriter, ctx: WireContext) -> None: ...

    @classmethod
    @abstractmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> Request[R]: ...

    @abstractmethod
    def read_response(self, reader: WireReader, ctx: WireContext) -> R: ...

    @abstractmethod
    def write_response(self, writer: WireWriter, ctx: WireContext, response: R) -> None: ...


@dataclass(frozen=True, slots=True)
class _PathRequest:
    """The body shared by requests that name one store path."""

    path: StorePath

    def write_body(self, writer: WireWriter, ctx: WireContext) -> None:
        write_store_path(writer, self.path, ctx)


@dataclass(frozen=True, slots=True)
class IsValidPath(_PathRequest, Request[bool]):
    OP: ClassVar[Op] = Op.IS_VALID_PATH

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> IsValidPath:
        return cls(read_store_path(reader, ctx))

    def read_response(self, reader: WireReader, ctx: WireContext) -> bool:
        return reader.read_bool()

    def write_response(self, writer: WireWriter, ctx: WireContext, response: bool) -> None:
        writer.write_bool(response)


@dataclass(frozen=True, slots=True)
class QueryPathInfo(_PathRequest, Request[ValidPathInfo | None]):
    """The answer is a validity flag, then the path's info when it is valid."""

    OP: ClassVar[Op] = Op.QUERY_PATH_INFO

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> QueryPathInfo:
        return cls(read_store_path(reader, ctx))

    def read_response(self, reader: WireReader, ctx: WireContext) -> ValidPathInfo | None:
        if ctx.version >= _VALID_FLAG_SINCE and not reader.read_bool():
            return None
        return ValidPathInfo.read_unkeyed(reader, ctx, self.path)

    def write_response(
        self, writer: WireWriter, ctx: WireContext, response: ValidPathInfo | None
    ) -> None:
        writer.write_bool(response is not None)
        if response is not None:
            response.write_unkeyed(writer, ctx)


@dataclass(frozen=True, slots=True)
class QueryValidPaths(Request[frozenset[StorePath]]):
    """Which of ``paths`` are valid; from 1.27 the daemon may first try to substitute them."""

    OP: ClassVar[Op] = Op.QUERY_VALID_PATHS
    paths: frozenset[StorePath]
    substitute: bool = False

    def write_body(self, writer: WireWriter, ctx: WireContext) -> None:
        write_store_paths(writer, self.paths, ctx)
        if ctx.version >= _SUBSTITUTE_FLAG_SINCE:
            writer.write_bool(self.substitute)

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> QueryValidPaths:
        paths = read_store_paths(reader, ctx)
        substitute = ctx.version >= _SUBSTITUTE_FLAG_SINCE and reader.read_u64() != 0
        return cls(paths, substitute)

    def read_response(self, reader: WireReader, ctx: WireContext) -> frozenset[StorePath]:
        return read_store_paths(reader, ctx)

    def write_response(
        self, writer: WireWriter, ctx: WireContext, response: frozenset[StorePath]
    ) -> None:
        write_store_paths(writer, response, ctx)


@dataclass(frozen=True, slots=True)
class QueryPathFromHashPart(Request[StorePath | None]):
    """The valid path whose nixbase32 digest is ``hash_part``, if there is one."""

    OP: ClassVar[Op] = Op.QUERY_PATH_FROM_HASH_PART
    hash_part: str

    def write_body(self, writer: WireWriter, ctx: WireContext) -> None:
        writer.write_str(self.hash_part)

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> QueryPathFromHashPart:
        return cls(reader.read_str())

    def read_response(self, reader: WireReader, ctx: WireContext) -> StorePath | None:
        return read_optional_store_path(reader, ctx)

    def write_response(
        self, writer: WireWriter, ctx: WireContext, response: StorePath | None
    ) -> None:
        write_optional_store_path(writer, response, ctx)


@dataclass(frozen=True, slots=True)
class NarFromPath(_PathRequest, Request[bytes]):
    """The answer is the path's NAR, raw on the stream after ``STDERR_LAST``."""

    OP: ClassVar[Op] = Op.NAR_FROM_PATH

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> NarFromPath:
        return cls(read_store_path(reader, ctx))

    def read_response(self, reader: WireReader, ctx: WireContext) -> bytes:
        parts: list[bytes] = []
        self.copy_response(reader, ctx, parts.append)
        return b"".join(parts)

    @staticmethod
    def copy_response(reader: WireReader, ctx: WireContext, sink: Callable[[bytes], object]) -> int:
        """Stream the NAR to ``sink``; return its size.

        When the path cannot be dumped the daemon has already sent ``STDERR_LAST``, so the
        error comes in the middle of the NAR (and the daemon then hangs up): it is raised as
        :class:`~nix_compat.errors.DaemonError`.
        """
        return copy_nar(reader, sink, errors_from=ctx.version)

    def write_response(self, writer: WireWriter, ctx: WireContext, response: bytes) -> None:
        writer.write_raw(response)


@dataclass(frozen=True, slots=True)
class AddToStoreNar(Request[None]):
    """Add a path from its NAR. The NAR follows the body: framed from 1.23, before that sent
    in pieces as the daemon asks for them with ``STDERR_READ``. There is no answer but the log.
    """

    OP: ClassVar[Op] = Op.ADD_TO_STORE_NAR
    info: ValidPathInfo
    repair: bool = False
    dont_check_sigs: bool = False

    def write_body(self, writer: WireWriter, ctx: WireContext) -> None:
        info = self.info
        write_store_path(writer, info.path, ctx)
        write_optional_store_path(writer, info.deriver, ctx)
        writer.write_str(info.nar_hash.to_base16())
        write_store_paths(writer, info.references, ctx)
        writer.write_u64(info.registration_time)
        writer.write_u64(info.nar_size)
        writer.write_bool(info.ultimate)
        writer.write_strings(_sorted_strings(info.sigs))
        writer.write_str("" if info.ca is None else info.ca.render())
        writer.write_bool(self.repair)
        writer.write_bool(self.dont_check_sigs)

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> AddToStoreNar:
        path = read_store_path(reader, ctx)
        deriver = read_optional_store_path(reader, ctx)
        nar_hash = _read_nar_hash(reader)
        references = read_store_paths(reader, ctx)
        registration_time = reader.read_u64()
        nar_size = reader.read_u64()
        ultimate = reader.read_u64() != 0
        sigs = frozenset(reader.read_strings())
        ca = _read_content_address(reader)
        info = ValidPathInfo(
            path, nar_hash, nar_size, references, deriver, registration_time, ultimate, sigs, ca
        )
        repair = reader.read_u64() != 0
        return cls(info, repair, reader.read_u64() != 0)

    def read_response(self, reader: WireReader, ctx: WireContext) -> None:
        return None

    def write_response(self, writer: WireWriter, ctx: WireContext, response: None) -> None:
        return None


@dataclass(frozen=True, slots=True)
class AddTempRoot(_PathRequest, Request[None]):
    """Keep ``path`` from the garbage collector while the connection lasts. Answers 1."""

    OP: ClassVar[Op] = Op.ADD_TEMP_ROOT

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> AddTempRoot:
        return cls(read_store_path(reader, ctx))

    def read_response(self, reader: WireReader, ctx: WireContext) -> None:
        start = reader.offset
        if (word := reader.read_u64()) != 1:
            raise WireError(f"AddTempRoot answered {word}, expected 1", start)

    def write_response(self, writer: WireWriter, ctx: WireContext, response: None) -> None:
        writer.write_u64(1)


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """The settings a client passes with SetOptions; ``overrides`` are other ``nix.conf`` keys.

    Three obsolete words (use-build-hook, log type, print-build-trace) still travel; they are
    written as C++ Nix writes them and ignored when read.
    """

    keep_failed: bool = False
    keep_going: bool = False
    try_fallback: bool = False
    verbosity: int = Verbosity.ERROR
    max_build_jobs: int = 1
    max_silent_time: int = 0
    verbose_build: bool = False
    build_cores: int = 0
    use_substitutes: bool = True
    overrides: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SetOptions(Request[None]):
    OP: ClassVar[Op] = Op.SET_OPTIONS
    settings: ClientSettings = field(default_factory=ClientSettings)

    def write_body(self, writer: WireWriter, ctx: WireContext) -> None:
        s = self.settings
        for word in (
            s.keep_failed,
            s.keep_going,
            s.try_fallback,
            s.verbosity,
            s.max_build_jobs,
            s.max_silent_time,
            1,  # use-build-hook
            Verbosity.ERROR if s.verbose_build else Verbosity.VOMIT,
            0,  # log type
            0,  # print build trace
            s.build_cores,
            s.use_substitutes,
        ):
            writer.write_u64(int(word))
        if ctx.version >= _SETTINGS_OVERRIDES_SINCE:
            writer.write_str_map(s.overrides)

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> SetOptions:
        words = [reader.read_u64() for _ in range(12)]
        overrides = reader.read_str_map() if ctx.version >= _SETTINGS_OVERRIDES_SINCE else {}
        return cls(
            ClientSettings(
                keep_failed=words[0] != 0,
                keep_going=words[1] != 0,
                try_fallback=words[2] != 0,
                verbosity=words[3],
                max_build_jobs=words[4],
                max_silent_time=words[5],
                verbose_build=words[7] == Verbosity.ERROR,
                build_cores=words[10],
                use_substitutes=words[11] != 0,
                overrides=overrides,
            )
        )

    def read_response(self, reader: WireReader, ctx: WireContext) -> None:
        return None

    def write_response(self, writer: WireWriter, ctx: WireContext, response: None) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Missing:
    """QueryMissing's answer: what realising the targets would take."""

    will_build: frozenset[StorePath] = frozenset()
    will_substitute: frozenset[StorePath] = frozenset()
    unknown: frozenset[StorePath] = frozenset()
    download_size: int = 0
    nar_size: int = 0


@dataclass(frozen=True, slots=True)
class QueryMissing(Request[Missing]):
    """What is missing to realise ``targets``: derived paths as Nix prints them, a store path
    or ``<drv path>!<output>,...`` (``!*`` for every output).
    """

    OP: ClassVar[Op] = Op.QUERY_MISSING
    targets: tuple[str, ...]

    def write_body(self, writer: WireWriter, ctx: WireContext) -> None:
        writer.write_strings(self.targets)

    @classmethod
    def read_body(cls, reader: WireReader, ctx: WireContext) -> QueryMissing:
        return cls(tuple(reader.read_strings()))

    def read_response(self, reader: WireReader, ctx: WireContext) -> Missing:
        will_build = read_store_paths(reader, ctx)
        will_substitute = read_store_paths(reader, ctx)
        unknown = read_store_paths(reader, ctx)
        return Missing(will_build, will_substitute, unknown, reader.read_u64(), reader.read_u64())

    def write_response(self, writer: WireWriter, ctx: WireContext, response: Missing) -> None:
        write_store_paths(writer, response.will_build, ctx)
        write_store_paths(writer, response.will_substitute, ctx)
        write_store_paths(writer, response.unknown, ctx)
        writer.write_u64(response.download_size)
        writer.write_u64(response.nar_size)


#: The request types this package can read, by op code.
REQUEST_TYPES: Final[Mapping[Op, type[Request[object]]]] = {
    t.OP: t  # type: ignore[misc]
    for t in (
        IsValidPath,
        QueryPathInfo,
        QueryValidPaths,
        QueryPathFromHashPart,
        NarFromPath,
        AddToStoreNar,
        AddTempRoot,
        SetOptions,
        QueryMissing,
    )
}


def write_request(writer: WireWriter, request: Request[R], ctx: WireContext) -> None:
    """The op code and the body (the caller flushes)."""
    writer.write_u64(request.OP)
    request.write_body(writer, ctx)


def read_request(reader: WireReader, ctx: WireContext) -> Request[object] | None:
    """Read an op code and its body; None when the client hung up between requests.

    An op this package cannot read is a :class:`WireError`: its body's length is unknown, so
    the connection cannot go on (C++ Nix closes it too).
    """
    start = reader.offset
    word = reader.read_u64_or_eof()
    if word is None:
        return None
    try:
        op = Op(word)
    except ValueError:
        raise WireError(f"invalid operation {word}", start) from None
    request_type = REQUEST_TYPES.get(op)
    if request_type is None:
        raise WireError(f"operation {op.name} ({word}) is not supported", start)
    return request_type.read_body(reader, ctx)
