"""Nix's base-32 encoding ("nixbase32").

It differs from RFC 4648 base32 in its alphabet (no ``e``, ``o``, ``u``, ``t``) and in its bit
order: the digest is read as one little-endian integer and printed most significant five bits
first. That makes it a plain integer conversion, which is what this module does.
"""

from __future__ import annotations

import re

from nix_compat.errors import Nixbase32Error

ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"
_DIGIT = {c: i for i, c in enumerate(ALPHABET)}
#: Two digits at a time, for encoding (store paths are made by the thousand).
_PAIRS = [ALPHABET[i >> 5] + ALPHABET[i & 31] for i in range(1024)]
#: Our digits as Python's own base-32 digits, so that ``int(..., 32)`` decodes.
_TO_PYTHON_DIGITS = str.maketrans(ALPHABET, "0123456789abcdefghijklmnopqrstuv")
_VALID = re.compile(r"[0-9a-df-np-sv-z]*")
_SHIFTS: dict[int, tuple[int, ...]] = {}

__all__ = ["ALPHABET", "decode", "decoded_len", "encode", "encoded_len", "is_valid"]


def encoded_len(byte_len: int) -> int:
    """Number of characters nixbase32 uses for ``byte_len`` bytes."""
    return (byte_len * 8 + 4) // 5


def decoded_len(char_len: int) -> int:
    """Number of bytes a nixbase32 string of ``char_len`` characters holds."""
    return char_len * 5 // 8


def encode(data: bytes) -> str:
    """Encode ``data`` as nixbase32."""
    n = encoded_len(len(data))
    value = int.from_bytes(data, "little")
    pairs = "".join([_PAIRS[(value >> shift) & 1023] for shift in _pair_shifts(n)])
    return ALPHABET[(value >> (5 * (n - 1))) & 31] + pairs if n & 1 else pairs


def _pair_shifts(n: int) -> tuple[int, ...]:
    """Where each pair of digits of an ``n``-digit encoding sits in its integer, most
    significant first (after the lone top digit of an odd ``n``)."""
    shifts = _SHIFTS.get(n)
    if shifts is None:
        shifts = _SHIFTS[n] = tuple(5 * k for k in range(n - 2 - (n & 1), -1, -2))
    return shifts


def decode(text: str, byte_len: int | None = None) -> bytes:
    """Decode nixbase32 ``text``.

    With ``byte_len`` the text must have exactly the length that many bytes encode to. Bits
    beyond the decoded length must be zero, as C++ Nix requires, so every digest has exactly
    one spelling.
    """
    if byte_len is None:
        byte_len = decoded_len(len(text))
        if encoded_len(byte_len) != len(text):
            raise Nixbase32Error(f"invalid nixbase32 length {len(text)}")
    elif len(text) != encoded_len(byte_len):
        raise Nixbase32Error(
            f"nixbase32 string of length {len(text)} where {encoded_len(byte_len)} "
            f"characters ({byte_len} bytes) were expected"
        )
    if _VALID.fullmatch(text) is None:
        position = next(i for i, char in enumerate(text) if char not in _DIGIT)
        raise Nixbase32Error(f"invalid nixbase32 character {text[position]!r}", position)
    value = int(text.translate(_TO_PYTHON_DIGITS), 32) if text else 0
    if value >> (8 * byte_len):
        raise Nixbase32Error("nixbase32 string has non-zero padding bits", 0)
    return value.to_bytes(byte_len, "little")


def is_valid(text: str, byte_len: int | None = None) -> bool:
    """Whether ``text`` decodes as nixbase32 (of ``byte_len`` bytes, when given)."""
    try:
        decode(text, byte_len)
    except Nixbase32Error:
        return False
    return True
