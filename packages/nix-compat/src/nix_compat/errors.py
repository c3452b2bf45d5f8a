"""One exception hierarchy for every format nix-compat reads or writes.

Every error says what was wrong and where: a byte offset into a stream, a line and column in
a text format, or the field of a structure. Callers that only want "this input is bad" catch
:class:`NixCompatError`; callers that care which format failed catch the subclass.
"""

from __future__ import annotations


class NixCompatError(Exception):
    """Base of every error raised by nix-compat."""


class Nixbase32Error(NixCompatError, ValueError):
    """A string is not valid nixbase32 (bad character, bad length, non-zero padding bits)."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        where = f" at character {position}" if position is not None else ""
        super().__init__(f"{message}{where}")


class HashError(NixCompatError, ValueError):
    """A hash string or digest is malformed, of an unknown algorithm or of the wrong length."""


class StorePathError(NixCompatError, ValueError):
    """A store path or store path name breaks the rules of C++ Nix."""


class NarError(NixCompatError):
    """A NAR stream is malformed. ``offset`` is the byte offset where the problem was found."""

    def __init__(self, message: str, offset: int | None = None, path: str | None = None) -> None:
        self.offset = offset
        self.path = path
        parts = [message]
        if path is not None:
            parts.append(f"in entry {path!r}")
        if offset is not None:
            parts.append(f"at byte {offset}")
        super().__init__(" ".join(parts))


class NarRestoreError(NarError):
    """A NAR could not be written to the filesystem (unsafe name, existing target, I/O error)."""


class DerivationError(NixCompatError, ValueError):
    """A derivation (ATerm ``.drv`` or its JSON form) is malformed or inconsistent.

    ``offset``, ``line`` and ``column`` locate a syntax error in ATerm input; ``field`` names
    the part of the derivation that is wrong (for example ``outputs.out.path``).
    """

    def __init__(
        self,
        message: str,
        *,
        offset: int | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.offset = offset
        self.line = line
        self.column = column
        self.field = field
        where = []
        if line is not None and column is not None:
            where.append(f"line {line}, column {column}")
        if offset is not None:
            where.append(f"byte {offset}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(message + (f" ({', '.join(where)})" if where else ""))


class NarInfoError(NixCompatError, ValueError):
    """A .narinfo file is malformed; ``line`` and ``field`` say where."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(message + (f" ({', '.join(where)})" if where else ""))


class SignatureError(NixCompatError, ValueError):
    """A signing key or signature is malformed, or a signature does not verify."""


class SigningUnavailableError(SignatureError):
    """Signing or verifying was asked for, but the optional ``cryptography`` is not installed."""


class WireError(NixCompatError):
    """The daemon wire protocol was violated; ``offset`` counts bytes read on the stream."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        super().__init__(message + (f" at byte {offset}" if offset is not None else ""))


class DaemonError(NixCompatError):
    """The daemon answered an operation with an error (``STDERR_ERROR``).

    ``traces`` are the error's context lines ("while ..."), in the order the daemon sent them.
    """

    def __init__(self, message: str, *, exit_status: int = 1, traces: tuple[str, ...] = ()) -> None:
        self.exit_status = exit_status
        self.traces = traces
        super().__init__(message)
