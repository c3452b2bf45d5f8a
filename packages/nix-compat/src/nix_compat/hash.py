"""Nix hashes: an algorithm and a digest, in every spelling C++ Nix reads and prints.

Spellings: base16 (hex), nixbase32, base64, and SRI (``sha256-<base64>``); the first three
optionally prefixed with ``algo:``. Which encoding a bare string uses is decided, as in C++
Nix, by its length for the given algorithm.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
from dataclasses import dataclass
from typing import Final

from nix_compat import nixbase32
from nix_compat.errors import HashError, Nixbase32Error

__all__ = ["ALGORITHMS", "HashFormat", "NixHash", "compress_hash", "decode_base64", "hasher"]

#: Digest length in bytes of every algorithm Nix knows.
ALGORITHMS: Final[dict[str, int]] = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}


class HashFormat(enum.Enum):
    """How a hash is written out."""

    BASE16 = "base16"
    NIX32 = "nix32"
    BASE64 = "base64"
    SRI = "sri"

    @classmethod
    def from_name(cls, name: str) -> HashFormat:
        """Parse a format name as ``nix hash convert --to`` spells it (``base32`` = nix32)."""
        aliases = {"base32": cls.NIX32, "hex": cls.BASE16}
        if name in aliases:
            return aliases[name]
        try:
            return cls(name)
        except ValueError:
            known = ", ".join(f.value for f in cls)
            raise HashError(f"unknown hash format '{name}' (known: {known}, base32)") from None


def hasher(algo: str) -> hashlib._Hash:
    """A fresh hashlib object for a Nix algorithm name."""
    check_algorithm(algo)
    return hashlib.new(algo)


def check_algorithm(algo: str) -> int:
    """Return the digest size of ``algo``, or raise :class:`HashError` if Nix does not know it."""
    try:
        return ALGORITHMS[algo]
    except KeyError:
        raise HashError(f"unknown hash algorithm '{algo}'") from None


def compress_hash(digest: bytes, size: int) -> bytes:
    """Fold ``digest`` to ``size`` bytes by XOR, as store paths shorten sha256 to 20 bytes."""
    out = bytearray(size)
    for i, byte in enumerate(digest):
        out[i % size] ^= byte
    return bytes(out)


@dataclass(frozen=True, slots=True)
class NixHash:
    """A digest together with the algorithm that produced it."""

    algo: str
    digest: bytes

    def __post_init__(self) -> None:
        size = check_algorithm(self.algo)
        if len(self.digest) != size:
            raise HashError(f"{self.algo} digest must be {size} bytes, not {len(self.digest)}")

    # -- construction --------------------------------------------------------------------

    @classmethod
    def of_bytes(cls, algo: str, data: bytes) -> NixHash:
        """Hash ``data`` with ``algo``."""
        h = hasher(algo)
        h.update(data)
        return cls(algo, h.digest())

    @classmethod
    def parse(cls, text: str, algo: str | None = None) -> NixHash:
        """Parse any spelling Nix accepts, deciding as C++ Nix's ``Hash::parseAny`` does.

        Text up to the first ``:`` names the algorithm of a base16, nix32 or base64 digest;
        failing a ``:``, text up to the first ``-`` names the algorithm of an SRI hash. Without
        either, ``algo`` says what the bare digest is. A prefix that disagrees with ``algo`` is
        an error, and so is a prefix that is no algorithm (``foo-bar`` is not a bare digest).
        """
        rest = text
        parsed: str | None = None
        sri = False
        prefix, colon, tail = text.partition(":")
        if not colon:
            prefix, dash, tail = text.partition("-")
            sri = bool(dash)
        if colon or sri:
            check_algorithm(prefix)
            parsed, rest = prefix, tail
        if parsed is None and algo is None:
            raise HashError(
                f"hash '{text}' does not include a type, nor is the type otherwise known "
                "from context"
            )
        if parsed is not None:
            cls._check_expected(parsed, algo, text)
        else:
            assert algo is not None
            check_algorithm(algo)
        name = parsed or algo
        assert name is not None
        if sri:
            return cls(name, _decode_sri(name, rest))
        return cls(name, _decode_bare(name, rest))

    @classmethod
    def parse_sri(cls, text: str) -> NixHash:
        """Parse strictly an SRI hash (``algo-base64``)."""
        algo, dash, rest = text.partition("-")
        if not dash:
            raise HashError(f"hash '{text}' is not SRI")
        check_algorithm(algo)
        return cls(algo, _decode_sri(algo, rest))

    @staticmethod
    def _check_expected(found: str, expected: str | None, text: str) -> None:
        if expected is not None and expected != found:
            raise HashError(f"hash '{text}' should have type '{expected}'")

    # -- output --------------------------------------------------------------------------

    def to_base16(self) -> str:
        return self.digest.hex()

    def to_nix32(self) -> str:
        return nixbase32.encode(self.digest)

    def to_base64(self) -> str:
        return base64.b64encode(self.digest).decode("ascii")

    def to_sri(self) -> str:
        return f"{self.algo}-{self.to_base64()}"

    def format(self, fmt: HashFormat, *, prefixed: bool = False) -> str:
        """Write the hash in ``fmt``; ``prefixed`` adds ``algo:`` (SRI always names it)."""
        if fmt is HashFormat.SRI:
            return self.to_sri()
        body = {
            HashFormat.BASE16: self.to_base16,
            HashFormat.NIX32: self.to_nix32,
            HashFormat.BASE64: self.to_base64,
        }[fmt]()
        return f"{self.algo}:{body}" if prefixed else body

    def __str__(self) -> str:
        return self.format(HashFormat.NIX32, prefixed=True)


def _decode_bare(algo: str, body: str) -> bytes:
    """A digest without ``algo-``: its encoding is told by its length, in bytes as C++ Nix
    counts it (so text that is not ASCII is never mistaken for an encoding's length)."""
    size = ALGORITHMS[algo]
    length = len(body) if body.isascii() else len(body.encode("utf-8", "surrogatepass"))
    if length == size * 2:
        if not _HEX.fullmatch(body):
            raise HashError(f"invalid base-16 hash '{body}'")
        return bytes.fromhex(body)
    if length == nixbase32.encoded_len(size):
        try:
            return nixbase32.decode(body, size)
        except Nixbase32Error as e:
            raise HashError(f"invalid base-32 hash '{body}': {e}") from None
    if length == 4 * ((size + 2) // 3):
        return _base64_digest(body, size, "base-64")
    raise HashError(f"hash '{body}' has wrong length for hash algorithm '{algo}'")


def _decode_sri(algo: str, body: str) -> bytes:
    return _base64_digest(body, ALGORITHMS[algo], "SRI")


def _base64_digest(body: str, size: int, kind: str) -> bytes:
    try:
        digest = decode_base64(body)
    except HashError as e:
        raise HashError(f"invalid {kind} hash '{body}': {e}") from None
    if len(digest) != size:
        raise HashError(f"invalid {kind} hash '{body}': it holds {len(digest)} bytes, not {size}")
    return digest


_HEX: Final = re.compile(r"[0-9a-fA-F]*")
_BASE64_BODY: Final = re.compile(r"[A-Za-z0-9+/]*")


def decode_base64(text: str) -> bytes:
    """Decode base64 as C++ Nix's ``base64Decode`` does, which is more lenient than RFC 4648.

    Nix reads up to the first ``=`` and ignores whatever follows it, so padding may be
    missing, short, long or followed by anything; it skips line feeds; and it drops the bits
    of a last character that do not complete a byte, whatever their value. Hashes, keys and
    signatures all go through it, so a spelling the reference accepts must be accepted here
    (``sha256-<43 characters>`` with no ``=`` is a hash C++ Nix reads). Any other character
    is an error, at its position in ``text``.
    """
    body = text.partition("=")[0]
    if "\n" in body:
        body = body.replace("\n", "")
    if not _BASE64_BODY.fullmatch(body):
        position, char = next(
            (i, c) for i, c in enumerate(text) if c not in _BASE64_CHARS and c != "\n"
        )
        raise HashError(f"invalid character {char!r} in base64 at position {position}")
    # Groups of four characters are whole bytes; a last group of 2 or 3 characters holds 1
    # or 2 bytes and a lone last character none, whatever its spare bits are.
    if len(body) % 4 == 1:
        body = body[:-1]
    return base64.b64decode(body + "=" * (-len(body) % 4))


_BASE64_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
