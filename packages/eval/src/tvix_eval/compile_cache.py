"""Compiled Nix files kept on disk between runs, as Python keeps ``.pyc`` files.

Parsing a Nix file and compiling it to Python code costs more than evaluating most of what
it defines: a quarter of the time of an evaluation that imports nixpkgs' lib. Files (not
``-E`` text or standard input, which rarely come twice) are therefore stored compiled,
keyed by everything the compiled code depends on: the text, the file's path, the names of
the base environment, this evaluator's own source and the Python version. A file that
changes gets a new key; nothing is ever invalidated in place.

The cache is a directory: ``$TVIX_EVAL_CACHE``, else ``$XDG_CACHE_HOME/tvix/eval``, else
``~/.cache/tvix/eval``; ``TVIX_EVAL_CACHE=off`` turns it off. It is kept under
:data:`MAX_BYTES` by removing the oldest entries. Entries are written atomically
(another evaluation may read the same entry at the same moment); an entry that cannot be read
back, whatever is wrong with it, is compiled again and overwritten; a cache that cannot be
written is simply not used. Like Python's own bytecode cache, it trusts the directory: it
must be writable by its owner only.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from tvix_eval.compiler import CompiledFile
from tvix_eval.syntax.source import Source

__all__ = ["CACHE_ENV", "MAX_BYTES", "cache_key", "load", "store", "trim"]

CACHE_ENV = "TVIX_EVAL_CACHE"

#: Bumped when the format of an entry changes.
_FORMAT = b"tvix-eval compiled file 1\n"

#: The cache is trimmed (oldest entries first) once it holds more than this many bytes, to
#: three quarters of it; checked on about one store in :data:`TRIM_EVERY`, so that storing
#: stays cheap.
MAX_BYTES = 512 << 20
TRIM_EVERY = 64

_fingerprint: bytes | None = None


def cache_dir() -> Path | None:
    """Where compiled files are kept, or None when the cache is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tvix" / "eval"


def _evaluator_fingerprint() -> bytes:
    """What the compiled code depends on besides the file: this package's source (the
    compiler and the runtime names it emits) and the Python version (the bytecode)."""
    global _fingerprint
    if _fingerprint is None:
        import hashlib
        from importlib.util import MAGIC_NUMBER

        digest = hashlib.sha256(MAGIC_NUMBER + sys.version.encode())
        package = Path(__file__).parent
        for path in sorted(package.rglob("*.py")):
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
        _fingerprint = digest.digest()
    return _fingerprint


def cache_key(source: Source, globals_: set[str], dynamic_globals: bool) -> str | None:
    """The key of ``source`` compiled against ``globals_``, or None if it is not cached."""
    if source.path is None or cache_dir() is None:
        return None
    import hashlib

    digest = hashlib.sha256(_evaluator_fingerprint())
    for part in (source.name, source.path, "\0".join(sorted(globals_)), str(dynamic_globals)):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0\0")
    digest.update(source.text.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _entry(key: str) -> Path:
    directory = cache_dir()
    assert directory is not None
    return directory / key[:2] / key[2:]


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


def load(key: str, source: Source) -> CompiledFile | None:
    """The compiled file stored under ``key``, for ``source``, or None."""
    try:
        data = _entry(key).read_bytes()
    except OSError:
        return None
    if not data.startswith(_FORMAT):
        return None
    try:
        size = int.from_bytes(data[len(_FORMAT) : len(_FORMAT) + 8], "little")
        start = len(_FORMAT) + 8
        code = marshal.loads(data[start : start + size])
        constants, lambdas, regions = _Unpickler(io.BytesIO(data[start + size :]), source).load()
    except Exception:  # a damaged entry, whatever the damage: compile again
        return None
    return CompiledFile(code, source, constants, lambdas, regions)


def store(key: str, compiled: CompiledFile) -> None:
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
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(dir=entry.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_FORMAT + len(code).to_bytes(8, "little") + code + rest.getvalue())
        os.replace(temporary, entry)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    if os.urandom(1)[0] < 256 // TRIM_EVERY:  # by chance: runs that store little trim too
        trim(entry.parent.parent)


def trim(directory: Path, limit: int | None = None) -> None:
    """Remove the oldest entries until the cache holds at most three quarters of ``limit``
    bytes (:data:`MAX_BYTES`), if it holds more than ``limit``. Entries another evaluation
    removes or writes meanwhile are fine: a missing entry is compiled again."""
    limit = MAX_BYTES if limit is None else limit
    entries = []
    total = 0
    for path in directory.glob("??/*"):
        with contextlib.suppress(OSError):
            status = path.stat()
            entries.append((status.st_mtime, status.st_size, path))
            total += status.st_size
    if total <= limit:
        return
    entries.sort()
    for _, size, path in entries:
        if total <= limit * 3 // 4:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size
