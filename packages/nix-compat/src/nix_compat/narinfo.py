"""``.narinfo`` files: what a binary cache says about one store path, and their fingerprints.

A narinfo is a list of ``Field: value`` lines, each ending in ``\\n``. C++ Nix writes them in a
fixed order::

    StorePath: /nix/store/<hash>-<name>
    URL: nar/<file hash>.nar.xz
    Compression: xz
    FileHash: sha256:<nix32>
    FileSize: <bytes>
    NarHash: sha256:<nix32>
    NarSize: <bytes>
    References: <base name> <base name> ...      (sorted; the line is there even when empty)
    Deriver: <base name of the .drv>             (optional)
    Sig: <key name>:<base64>                     (zero or more, sorted)
    CA: text:sha256:<nix32> | fixed:[r:]<algo>:<nix32>   (optional)

``System`` (written by Nix before 2.4 and by nix-serve, between ``Deriver`` and ``Sig``) is
read and written back. Unknown fields are ignored, as C++ Nix ignores them, so newer caches
stay readable. Like C++ Nix, a file without ``Compression`` means bzip2 and one without
``FileSize`` means size 0 (unknown), and both lines are always written; ``FileHash`` is written
only when known (C++ Nix cannot write a narinfo without it at all).

This parser is stricter than C++ Nix where C++ Nix would silently keep the last of two values
or not look at all: every field but ``Sig`` may appear once, references and signatures may not
repeat, each line must be ``Name: value``, ``Sig`` lines must hold well-formed signatures and a
``text:`` content address a sha256 hash. It refuses what C++ Nix refuses: a missing
``StorePath``, ``NarHash``, ``URL`` or ``NarSize``, a zero ``NarSize``, unparsable hashes,
numbers and store paths. Sizes are read as C++ Nix reads them (an optional ``+``, leading
zeros, at most 2**64 - 1); a number of any length is refused by its length, never by a crash.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from nix_compat.content_address import ContentAddress
from nix_compat.errors import NarInfoError, NixCompatError
from nix_compat.hash import HashFormat, NixHash
from nix_compat.signing import Signature, SigningKey, VerifyingKey, valid_signatures
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath

__all__ = ["NarInfo", "fingerprint"]

#: Largest value of the unsigned 64-bit sizes C++ Nix reads.
MAX_SIZE: Final = 2**64 - 1
#: The compression C++ Nix assumes when a narinfo has no ``Compression`` line.
DEFAULT_COMPRESSION: Final = "bzip2"
#: The ``Deriver`` value that means "no deriver".
UNKNOWN_DERIVER: Final = "unknown-deriver"


def fingerprint(
    store_path: StorePath,
    nar_hash: NixHash,
    nar_size: int,
    references: Iterable[StorePath],
    store_dir: str = DEFAULT_STORE_DIR,
) -> str:
    """The text a store path's signatures sign.

    ``1;<absolute path>;<algo>:<nix32 NAR hash>;<NAR size>;<absolute references, sorted,
    comma-separated>``. Like C++ Nix, refuse when the NAR size is unknown (zero): a signature
    over it would vouch for nothing.
    """
    absolute = store_path.to_absolute_path(store_dir)
    if nar_size == 0:
        raise NarInfoError(
            f"cannot calculate fingerprint of path '{absolute}' because its size is not known",
            field="NarSize",
        )
    refs = ",".join(sorted(r.to_absolute_path(store_dir) for r in references))
    nar_hash_text = nar_hash.format(HashFormat.NIX32, prefixed=True)
    return f"1;{absolute};{nar_hash_text};{nar_size};{refs}"


@dataclass(frozen=True, slots=True)
class NarInfo:
    """One narinfo file. ``None`` marks an optional field that is absent."""

    store_path: StorePath
    url: str
    nar_hash: NixHash
    nar_size: int
    compression: str = DEFAULT_COMPRESSION
    file_hash: NixHash | None = None
    file_size: int = 0
    references: tuple[StorePath, ...] = ()
    deriver: StorePath | None = None
    system: str | None = None
    signatures: tuple[Signature, ...] = ()
    ca: ContentAddress | None = None
    store_dir: str = DEFAULT_STORE_DIR

    def __post_init__(self) -> None:
        _check_value("URL", self.url)
        _check_size("NarSize", self.nar_size, allow_zero=False)
        _check_value("Compression", self.compression)
        _check_size("FileSize", self.file_size, allow_zero=True)
        if self.system is not None:
            _check_value("System", self.system)
        _check_unique("References", [r.base_name for r in self.references])
        _check_unique("Sig", [str(s) for s in self.signatures])
        self.store_path.to_absolute_path(self.store_dir)  # validates store_dir

    # -- reading -------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: str | bytes, store_dir: str = DEFAULT_STORE_DIR) -> NarInfo:
        """Parse a narinfo file's contents; errors name the line and field."""
        return _Parser(_as_text(data), store_dir).parse()

    # -- writing -------------------------------------------------------------------------

    def to_string(self) -> str:
        """The file as C++ Nix writes it: fixed field order, sorted references and signatures."""
        out = [f"StorePath: {self.store_path.to_absolute_path(self.store_dir)}", f"URL: {self.url}"]
        out.append(f"Compression: {self.compression}")
        if self.file_hash is not None:
            out.append(f"FileHash: {self.file_hash.format(HashFormat.NIX32, prefixed=True)}")
        out.append(f"FileSize: {self.file_size}")
        out.append(f"NarHash: {self.nar_hash.format(HashFormat.NIX32, prefixed=True)}")
        out.append(f"NarSize: {self.nar_size}")
        out.append("References: " + " ".join(sorted(r.base_name for r in self.references)))
        if self.deriver is not None:
            out.append(f"Deriver: {self.deriver.base_name}")
        if self.system is not None:
            out.append(f"System: {self.system}")
        out.extend(f"Sig: {sig}" for sig in sorted(str(s) for s in self.signatures))
        if self.ca is not None:
            out.append(f"CA: {self.ca.render()}")
        return "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.to_string()

    # -- signatures ----------------------------------------------------------------------

    def fingerprint(self) -> str:
        """The text that this path's signatures sign (see :func:`fingerprint`)."""
        return fingerprint(
            self.store_path, self.nar_hash, self.nar_size, self.references, self.store_dir
        )

    def sign(self, key: SigningKey) -> NarInfo:
        """A copy with ``key``'s signature added (kept once if it is already there)."""
        signature = key.sign(self.fingerprint())
        if signature in self.signatures:
            return self
        return dataclasses.replace(self, signatures=(*self.signatures, signature))

    def valid_signatures(self, keys: Iterable[VerifyingKey]) -> tuple[Signature, ...]:
        """The signatures that verify under a key of the same name among ``keys``.

        A binary cache's path is trusted when this is not empty (C++ Nix also trusts a path
        whose store path follows from its content address, without any signature).
        """
        return valid_signatures(self.fingerprint(), self.signatures, keys)


# -- validation shared by parsing and construction ---------------------------------------------


def _check_value(field: str, value: str, line: int | None = None) -> None:
    if not value:
        raise NarInfoError(f"{field} must not be empty", line=line, field=field)
    if "\n" in value or "\r" in value:
        raise NarInfoError(f"{field} must not contain a line break", line=line, field=field)


#: Digits of the largest size; a longer number (without leading zeros) is out of range.
_MAX_SIZE_DIGITS: Final = len(str(MAX_SIZE))


def _abbreviate(text: str, limit: int = 40) -> str:
    """``text`` shortened for an error message: a hostile value may be megabytes long."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _check_size(field: str, value: int, *, allow_zero: bool, line: int | None = None) -> None:
    if value < 0 or value > MAX_SIZE:
        raise NarInfoError(f"{field} {value} is out of range", line=line, field=field)
    if value == 0 and not allow_zero:
        raise NarInfoError(f"{field} must not be zero", line=line, field=field)


def _check_unique(field: str, items: list[str], line: int | None = None) -> None:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise NarInfoError(f"duplicate entry '{item}' in {field}", line=line, field=field)
        seen.add(item)


def _as_text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise NarInfoError(f"invalid UTF-8 at byte {e.start}", line=line) from None


# -- the parser --------------------------------------------------------------------------------

#: Fields without which a narinfo is useless; C++ Nix refuses the file in this order.
_REQUIRED: Final = ("StorePath", "NarHash", "URL", "NarSize")


class _Parser:
    def __init__(self, text: str, store_dir: str) -> None:
        self.text = text
        self.store_dir = store_dir
        self.line = 0
        self.field = ""
        self.values: dict[str, Any] = {}
        self.signatures: list[Signature] = []
        # narinfo field -> (keyword argument of NarInfo, reader of the value)
        self.fields: dict[str, tuple[str, Callable[[str], object]]] = {
            "StorePath": ("store_path", self._store_path),
            "URL": ("url", self._text),
            "Compression": ("compression", self._text),
            "FileHash": ("file_hash", self._hash),
            "FileSize": ("file_size", self._size),
            "NarHash": ("nar_hash", self._hash),
            "NarSize": ("nar_size", self._size),
            "References": ("references", self._references),
            "Deriver": ("deriver", self._deriver),
            "System": ("system", self._text),
            "CA": ("ca", self._ca),
        }

    def error(self, message: str) -> NarInfoError:
        return NarInfoError(message, line=self.line, field=self.field or None)

    def parse(self) -> NarInfo:
        if self.text and not self.text.endswith("\n"):
            self.line = self.text.count("\n") + 1
            raise self.error("the last line does not end in a newline")
        for number, line in enumerate(self.text.split("\n")[:-1], start=1):
            self.line, self.field = number, ""
            self._line(line)
        return self._finish()

    def _line(self, line: str) -> None:
        if "\r" in line:
            raise self.error("carriage return in line (narinfo lines end in '\\n' only)")
        name, sep, value = line.partition(": ")
        if not sep:
            raise self.error(f"expected '<field>: <value>', found {_abbreviate(line)!r}")
        self.field = name
        if name == "Sig":
            self._signature(value)
            return
        known = self.fields.get(name)
        if known is None:
            return  # an unknown field: C++ Nix skips it, and so do we
        if name in self.values:
            raise self.error(f"duplicate field '{name}'")
        try:
            self.values[name] = known[1](value)
        except NarInfoError:
            raise
        except NixCompatError as e:
            raise self.error(f"invalid {name}: {e}") from None

    def _finish(self) -> NarInfo:
        self.line, self.field = 0, ""
        for name in _REQUIRED:
            if name not in self.values:
                raise NarInfoError(f"{name} missing", field=name)
        kwargs = {self.fields[name][0]: value for name, value in self.values.items()}
        return NarInfo(**kwargs, signatures=tuple(self.signatures), store_dir=self.store_dir)

    # -- one value each --

    def _text(self, value: str) -> str:
        _check_value(self.field, value, self.line)
        return value

    def _size(self, value: str) -> int:
        # As C++ Nix's string2Int: decimal digits after an optional '+', leading zeros allowed.
        # A number too long for 64 bits is refused by its length, before int() is asked to
        # convert it (Python refuses to convert more than 4300 digits, with a ValueError).
        digits = value[1:] if value.startswith("+") else value
        if not (digits.isascii() and digits.isdigit()):
            raise self.error(f"invalid {self.field} '{_abbreviate(value)}': not a decimal number")
        significant = digits.lstrip("0")
        if len(significant) > _MAX_SIZE_DIGITS:
            raise self.error(
                f"invalid {self.field} '{_abbreviate(value)}': a number of "
                f"{len(significant)} digits is out of range"
            )
        size = int(significant or "0")
        _check_size(self.field, size, allow_zero=self.field != "NarSize", line=self.line)
        return size

    def _hash(self, value: str) -> NixHash:
        # Any algorithm and any of Nix's spellings, but always with the algorithm named.
        if ":" not in value and "-" not in value:
            raise self.error(f"hash '{value}' does not name its algorithm")
        return NixHash.parse(value)

    def _store_path(self, value: str) -> StorePath:
        return StorePath.from_absolute_path(value, self.store_dir)

    def _references(self, value: str) -> tuple[StorePath, ...]:
        names = [name for name in value.split(" ") if name]
        _check_unique("References", names, self.line)
        return tuple(StorePath.from_base_name(name) for name in names)

    def _deriver(self, value: str) -> StorePath | None:
        return None if value == UNKNOWN_DERIVER else StorePath.from_base_name(value)

    def _ca(self, value: str) -> ContentAddress | None:
        # C++ Nix reads an empty CA as "not content-addressed".
        return ContentAddress.parse(value) if value else None

    def _signature(self, value: str) -> None:
        try:
            signature = Signature.parse(value)
        except NixCompatError as e:
            raise self.error(f"invalid Sig: {e}") from None
        if signature in self.signatures:
            raise self.error(f"duplicate signature '{value}'")
        self.signatures.append(signature)
