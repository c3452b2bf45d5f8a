"""blake3 digests, printed as Tvix prints them (``b3:`` and padded standard base64)."""

from __future__ import annotations

import base64
import binascii
from typing import Final

import blake3

from tvix_castore.errors import DigestError

__all__ = ["DIGEST_SIZE", "B3Digest", "BytesLike", "hasher"]

#: What byte-accepting calls take (``collections.abc.Buffer`` is newer than Python 3.11).
BytesLike = bytes | bytearray | memoryview

DIGEST_SIZE: Final = 32
_PREFIX: Final = "b3:"


def hasher() -> blake3.blake3:
    """A fresh incremental blake3 hasher (one place to choose threading options)."""
    return blake3.blake3()


class B3Digest(bytes):
    """Exactly 32 bytes of blake3 output; construction refuses any other length."""

    __slots__ = ()

    def __new__(cls, value: BytesLike) -> B3Digest:
        raw = bytes(value)
        if len(raw) != DIGEST_SIZE:
            raise DigestError(f"a blake3 digest has {DIGEST_SIZE} bytes, not {len(raw)}")
        return super().__new__(cls, raw)

    @classmethod
    def of(cls, data: BytesLike) -> B3Digest:
        """Digest of some bytes held in memory."""
        return cls(blake3.blake3(data).digest())

    @classmethod
    def parse(cls, text: str) -> B3Digest:
        """Read ``b3:<base64>`` (as printed) or 64 hexadecimal digits."""
        body = text.removeprefix(_PREFIX)
        try:
            if len(body) == 2 * DIGEST_SIZE and text == body:
                raw = bytes.fromhex(body)
            else:
                raw = base64.b64decode(body, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise DigestError(f"not a blake3 digest: {text!r}") from exc
        if len(raw) != DIGEST_SIZE:
            raise DigestError(f"not a blake3 digest: {text!r} has {len(raw)} bytes, not 32")
        return cls(raw)

    def __str__(self) -> str:
        return _PREFIX + base64.b64encode(self).decode()

    def __repr__(self) -> str:
        return f"B3Digest({self})"
