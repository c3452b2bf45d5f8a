"""Compiled Nix files kept on disk between runs, as Python keeps ``.pyc`` files.

Parsing a Nix file and compiling it to Python code costs more than evaluating most of what
it defines: a quarter of the time of an evaluation that imports nixpkgs' lib. Files (not
``-E`` text or standard input, which rarely come twice) are therefore stored compiled, under
everything the compiled code depends on (its :class:`CacheKey`): the text, the file's path,
the names of the base environment, the experimental features that change the syntax, this
evaluator's own source files (as Python checks a ``.pyc`` against its source: by size and
modification time) and the Python version. A file that changes gets a new key; nothing is
ever invalidated in place.

An entry's name is a 64-bit checksum of its key, and the entry holds the key itself, compared
in full on load: a checksum needs no cryptographic hash (whose library costs more to load
than most of an entry), and two keys sharing a name only cost a compilation.

The cache is a directory: ``$TVIX_EVAL_CACHE``, else ``$XDG_CACHE_HOME/tvix/eval``, else
``~/.cache/tvix/eval``; ``TVIX_EVAL_CACHE=off`` turns it off. It is kept under
:data:`MAX_BYTES` by removing the oldest entries. Entries are written atomically
(another evaluation may read the same entry at the same moment); an entry that cannot be read
back, whatever is wrong with it, is compiled again and overwritten; a cache that cannot be
written is simply not used. Like Python's own bytecode cache, it trusts the directory: it
must be writable by its owner only.

Start-up matters here (every evaluation of a file pays it), hence ``os`` rather than
``pathlib`` and ``zlib`` rather than ``hashlib``.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import pickle
import sys
import zlib
from typing import Any

from tvix_eval.compiled import CompiledFile
from tvix_eval.syntax.source import Source

__all__ = ["CACHE_ENV", "MAX_BYTES", "CacheKey", "cache_key", "load", "store", "trim"]

CACHE_ENV = "TVIX_EVAL_CACHE"

#: Bumped when the format of an entry changes.
_FORMAT = b"tvix-eval compiled file 2\n"

#: The cache is trimmed (oldest entries first) once it holds more than this many bytes, to
#: three quarters of it; checked on about one store in :data:`TRIM_EVERY`, so that storing
#: stays cheap.
MAX_BYTES = 512 << 20
TRIM_EVERY = 64

_fingerprint: bytes | None = None


class CacheKey:
    """What a compiled file depends on (``identity``), and the entry's name made from it;
    compiled code is named after ``name`` too, so its error positions find their file."""

    __slots__ = ("identity", "name")

    def __init__(self, identity: bytes) -> None:
        self.identity = identity
        self.name = f"{zlib.crc32(identity):08x}{zlib.adler32(identity):08x}"


def cache_dir() -> str | None:
    """The cache's directory, or None when the cache is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured == "off":
        return None
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tvix", "eval")


def _evaluator_fingerprint() -> bytes:
    """What the compiled code depends on besides the file: this package's source files (the
    compiler and the runtime names it emits), by name, size and modification time, and the
    Python version (the bytecode)."""
    global _fingerprint
    if _fingerprint is None:
        parts = [sys.version]
        package = os.path.dirname(__file__)
        pending = [package]
        while pending:
            directory = pending.pop()
            with os.scandir(directory) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.is_dir() and entry.name != "__pycache__":
                        pending.append(entry.path)
                    elif entry.name.endswith(".py"):
                        status = entry.stat()
                        relative = os.path.relpath(entry.path, package)
                        parts.append(f"{relative}:{status.st_size}:{status.st_mtime_ns}")
        _fingerprint = "\0".join(parts).encode()
    return _fingerprint


def cache_key(
    source: Source,
    globals_: set[str],
    dynamic_globals: bool,
    forced_globals: frozenset[str] = frozenset(),
    features: frozenset[str] = frozenset(),
) -> CacheKey | None:
    """The key of ``source`` compiled against ``globals_`` (see
    :func:`tvix_eval.compiler.compile_expr`) and parsed with the experimental ``features``
    that change the syntax (pipe operators...), or None if it is not cached."""
    if source.path is None or cache_dir() is None:
        return None
    parts = [_evaluator_fingerprint()]
    for part in (
        source.name,
        source.path,
        "\0".join(sorted(globals_)),
        str(dynamic_globals),
        "\0".join(sorted(forced_globals)),
        "\0".join(sorted(features)),
    ):
        parts.append(part.encode("utf-8", "surrogateescape"))
    parts.append(source.text.encode("utf-8", "surrogateescape"))
    return CacheKey(b"\0\0".join(parts))


def _entry(key: CacheKey) -> str:
    directory = cache_dir()
    assert directory is not None
    return os.path.join(directory, key.name[:2], key.name[2:])


class _Pickler(pickle.Pickler):
    """Pickles the spans of one file without the file's text: the source is the one being
    compiled, put back on load."""

    def __init__(self, file: io.BytesIO, source: Source) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.source = source

    def persistent_id(self, obj: Any) -> str | None:
        if obj is self.source:
            return "source"
        if isinstance(obj, Source):
            raise pickle.PicklingError("a span of another file")
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, source: Source) -> None:
        super().__init__(file)
        self.source = source

    def persistent_load(self, pid: Any) -> Source:
        if pid != "source":
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self.source


def load(key: CacheKey, source: Source) -> CompiledFile | None:
    """The compiled file stored under ``key``, for ``source``, or None."""
    try:
        with open(_entry(key), "rb") as f:
            data = f.read()
    except OSError:
        return None
    identity_at = len(_FORMAT) + 8
    if not data.startswith(_FORMAT):
        return None
    identity_size = int.from_bytes(data[len(_FORMAT) : identity_at], "little")
    code_at = identity_at + identity_size + 8
    if data[identity_at : code_at - 8] != key.identity:
        return None  # another key with the same name, or damage
    try:
        code_size = int.from_bytes(data[code_at - 8 : code_at], "little")
        code = marshal.loads(data[code_at : code_at + code_size])
        constants, lambdas, regions = _Unpickler(
            io.BytesIO(data[code_at + code_size :]), source
        ).load()
    except Exception:  # a damaged entry, whatever the damage: compile again
        return None
    return CompiledFile(code, source, constants, lambdas, regions)


def store(key: CacheKey, compiled: CompiledFile) -> None:
    """Keep ``compiled`` under ``key``; silently nothing if that is not possible."""
    try:
        code = marshal.dumps(compiled.code)
        rest = io.BytesIO()
        _Pickler(rest, compiled.source).dump(
            (compiled.constants, compiled.lambdas, compiled.regions)
        )
    except (ValueError, pickle.PicklingError):
        return
    import tempfile

    entry = _entry(key)
    directory = os.path.dirname(entry)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            for part in (
                _FORMAT,
                len(key.identity).to_bytes(8, "little"),
                key.identity,
                len(code).to_bytes(8, "little"),
                code,
                rest.getvalue(),
            ):
                f.write(part)
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    if os.urandom(1)[0] < 256 // TRIM_EVERY:  # by chance: runs that store little trim too
        trim(os.path.dirname(directory))


def trim(directory: str | os.PathLike[str], limit: int | None = None) -> None:
    """Remove the oldest entries until the cache holds at most three quarters of ``limit``
    bytes (:data:`MAX_BYTES`), if it holds more than ``limit``. Entries another evaluation
    removes or writes meanwhile are fine: a missing entry is compiled again."""
    limit = MAX_BYTES if limit is None else limit
    entries = []
    total = 0
    with contextlib.suppress(OSError), os.scandir(directory) as buckets:
        for bucket in buckets:
            if len(bucket.name) != 2 or not bucket.is_dir():
                continue
            with contextlib.suppress(OSError), os.scandir(bucket.path) as files:
                for file in files:
                    with contextlib.suppress(OSError):
                        status = file.stat()
                        entries.append((status.st_mtime, status.st_size, file.path))
                        total += status.st_size
    if total <= limit:
        return
    entries.sort()
    for _, size, path in entries:
        if total <= limit * 3 // 4:
            break
        with contextlib.suppress(OSError):
            os.unlink(path)
            total -= size
