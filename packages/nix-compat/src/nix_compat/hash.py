"""Nix hashes: an algorithm and a digest, in every spelling C++ Nix reads and prints.

Spellings: base16 (hex), nixbase32, base64, and SRI (``sha256-<base64>``); the first three
optionally prefixed with ``algo:``. Which encoding a bare string uses is decided, as in C++
Nix, by its length for the given algorithm.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
from dataclasses import dataclass
from typing import Final

from nix_compat import nixbase32
from nix_compat.errors import HashError

__all__ = ["ALGORITHMS", "HashFormat", "NixHash", "compress_hash", "hasher"]

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
            raise HashError(
                f"{self.algo} digest must be {size} bytes, not {len(self.digest)}"
            )

    # -- construction --------------------------------------------------------------------

    @classmethod
    def of_bytes(cls, algo: str, data: bytes) -> NixHash:
        """Hash ``data`` with ``algo``."""
        h = hasher(algo)
        h.update(data)
        return cls(algo, h.digest())

    @classmethod
    def parse(cls, text: str, algo: str | None = None) -> NixHash:
        """Parse any spelling Nix accepts.

        ``sha256:<base16|nix32|base64>``, ``sha256-<base64>`` (SRI), or, when ``algo`` is
        given, a bare digest in any of the three encodings. A prefix that disagrees with
        ``algo`` is an error.
        """
        if ":" in text:
            prefix, _, rest = text.partition(":")
            check_algorithm(prefix)
            cls._check_expected(prefix, algo, text)
            return cls(prefix, _decode_bare(prefix, rest, text))
        dash = text.find("-")
        if dash > 0 and text[:dash] in ALGORITHMS:
            prefix = text[:dash]
            cls._check_expected(prefix, algo, text)
            return cls(prefix, _decode_sri(prefix, text[dash + 1 :], text))
        if algo is None:
            raise HashError(f"hash '{text}' does not include a type")
        check_algorithm(algo)
        return cls(algo, _decode_bare(algo, text, text))

    @classmethod
    def parse_sri(cls, text: str) -> NixHash:
        """Parse strictly an SRI hash (``algo-base64``)."""
        algo, dash, rest = text.partition("-")
        if not dash:
            raise HashError(f"hash '{text}' is not SRI")
        check_algorithm(algo)
        return cls(algo, _decode_sri(algo, rest, text))

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


def _decode_bare(algo: str, body: str, whole: str) -> bytes:
    size = ALGORITHMS[algo]
    try:
        if len(body) == size * 2:
            return bytes.fromhex(body)
        if len(body) == nixbase32.encoded_len(size):
            return nixbase32.decode(body, size)
        if len(body) == 4 * ((size + 2) // 3):
            return _b64(body, size)
    except (ValueError, binascii.Error) as e:
        raise HashError(f"invalid {algo} hash '{whole}': {e}") from None
    raise HashError(f"hash '{whole}' has wrong length for hash type '{algo}'")


def _decode_sri(algo: str, body: str, whole: str) -> bytes:
    try:
        return _b64(body, ALGORITHMS[algo])
    except (ValueError, binascii.Error):
        raise HashError(f"invalid SRI hash '{whole}'") from None


def _b64(body: str, size: int) -> bytes:
    digest = base64.b64decode(body, validate=True)
    if len(digest) != size:
        raise HashError(f"base64 digest has {len(digest)} bytes, expected {size}")
    return digest
