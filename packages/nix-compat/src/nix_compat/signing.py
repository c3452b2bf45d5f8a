"""Ed25519 keys and signatures in the text form C++ Nix uses: ``<key name>:<base64>``.

A secret key (``nix-store --generate-binary-cache-key``) holds 64 bytes, libsodium's layout:
the 32-byte seed followed by the 32-byte public key. A public key holds 32 bytes, a signature
64. What gets signed is a store path's fingerprint (see :mod:`nix_compat.narinfo`).

Reading and writing these texts needs nothing beyond Python, so a narinfo with ``Sig`` lines
parses without the crypto library. Signing and verifying need the optional ``cryptography``
package (``pip install 'nix-compat[signing]'``); it is imported only when first needed, and its
absence is reported as :class:`SigningUnavailableError`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from nix_compat.errors import HashError, SignatureError, SigningUnavailableError
from nix_compat.hash import decode_base64

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "PUBLIC_KEY_SIZE",
    "SECRET_KEY_SIZE",
    "SIGNATURE_SIZE",
    "Signature",
    "SigningKey",
    "VerifyingKey",
    "valid_signatures",
]

SEED_SIZE: Final = 32
PUBLIC_KEY_SIZE: Final = 32
SECRET_KEY_SIZE: Final = SEED_SIZE + PUBLIC_KEY_SIZE
SIGNATURE_SIZE: Final = 64

_INSTALL_HINT: Final = (
    "ed25519 signing needs the 'cryptography' package: install it with "
    "\"pip install 'nix-compat[signing]'\""
)


def _ed25519() -> tuple[type[Ed25519PrivateKey], type[Ed25519PublicKey]]:
    """The crypto classes, imported on first use so that parsing never depends on them."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (
            Ed25519PrivateKey,
            Ed25519PublicKey,
        )
    except ImportError as e:
        raise SigningUnavailableError(_INSTALL_HINT) from e
    return Ed25519PrivateKey, Ed25519PublicKey


def _check_name(name: str, what: str) -> None:
    # The name is everything before the first ':'; a line break would split a narinfo line.
    if not name:
        raise SignatureError(f"{what} has an empty key name")
    for bad in (":", "\n", "\r"):
        if bad in name:
            raise SignatureError(f"{what} key name {name!r} contains {bad!r}")


def _split(text: str, what: str, size: int) -> tuple[str, bytes]:
    """Split ``<name>:<base64>`` and decode the payload, which must be ``size`` bytes."""
    name, colon, payload = text.partition(":")
    if not colon:
        raise SignatureError(f"{what} {text!r} is not of the form '<key name>:<base64>'")
    _check_name(name, what)
    # Decoded as C++ Nix decodes it (missing padding, line feeds...: see decode_base64), so
    # that every key and signature the reference reads is read here too.
    try:
        raw = decode_base64(payload)
    except HashError as e:
        raise SignatureError(f"{what} named '{name}' is not valid base64: {e}") from None
    if len(raw) != size:
        raise SignatureError(f"{what} named '{name}' has {len(raw)} bytes, expected {size}")
    return name, raw


def _join(name: str, payload: bytes) -> str:
    return f"{name}:{base64.b64encode(payload).decode('ascii')}"


def _as_bytes(message: str | bytes) -> bytes:
    return message.encode() if isinstance(message, str) else message


@dataclass(frozen=True, slots=True, repr=False)
class Signature:
    """A detached signature together with the name of the key that made it."""

    key_name: str
    signature: bytes

    def __post_init__(self) -> None:
        _check_name(self.key_name, "signature")
        if len(self.signature) != SIGNATURE_SIZE:
            raise SignatureError(
                f"signature named '{self.key_name}' has {len(self.signature)} bytes, "
                f"expected {SIGNATURE_SIZE}"
            )

    @classmethod
    def parse(cls, text: str) -> Signature:
        """Parse ``<key name>:<base64 of 64 bytes>``, as found on a narinfo ``Sig`` line."""
        return cls(*_split(text, "signature", SIGNATURE_SIZE))

    def __str__(self) -> str:
        return _join(self.key_name, self.signature)

    def __repr__(self) -> str:
        return f"Signature.parse({str(self)!r})"


@dataclass(frozen=True, slots=True, repr=False)
class VerifyingKey:
    """A named ed25519 public key, as listed in ``trusted-public-keys``."""

    name: str
    key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name, "public key")
        if len(self.key) != PUBLIC_KEY_SIZE:
            raise SignatureError(
                f"public key named '{self.name}' has {len(self.key)} bytes, "
                f"expected {PUBLIC_KEY_SIZE}"
            )

    @classmethod
    def parse(cls, text: str) -> VerifyingKey:
        """Parse ``<key name>:<base64 of 32 bytes>`` (surrounding whitespace is ignored)."""
        return cls(*_split(text.strip(), "public key", PUBLIC_KEY_SIZE))

    def verify(self, message: str | bytes, signature: Signature | str) -> bool:
        """Whether ``signature`` is this key's signature of ``message``.

        A signature made under another key name is not this key's, so it does not verify;
        C++ Nix picks the key by that name in the same way.
        """
        sig = Signature.parse(signature) if isinstance(signature, str) else signature
        if sig.key_name != self.name:
            return False
        _, public_cls = _ed25519()
        from cryptography.exceptions import InvalidSignature

        try:
            public_cls.from_public_bytes(self.key).verify(sig.signature, _as_bytes(message))
        except InvalidSignature:
            return False
        return True

    def __str__(self) -> str:
        return _join(self.name, self.key)

    def __repr__(self) -> str:
        return f"VerifyingKey.parse({str(self)!r})"


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A named ed25519 secret key; its text form holds the seed and the public key."""

    name: str
    seed: bytes = field(repr=False)
    public: bytes

    def __post_init__(self) -> None:
        _check_name(self.name, "secret key")
        if len(self.seed) != SEED_SIZE or len(self.public) != PUBLIC_KEY_SIZE:
            raise SignatureError(
                f"secret key named '{self.name}' needs a {SEED_SIZE}-byte seed and a "
                f"{PUBLIC_KEY_SIZE}-byte public key"
            )
        # libsodium signs with the public half stored in the key, so a mismatched half would
        # yield signatures that verify under no key: refuse such a key up front.
        if self._private().public_key().public_bytes_raw() != self.public:
            raise SignatureError(
                f"secret key named '{self.name}' is corrupt: its public half does not match "
                "its seed"
            )

    @classmethod
    def parse(cls, text: str) -> SigningKey:
        """Parse ``<key name>:<base64 of seed + public key>`` (surrounding whitespace ignored)."""
        name, raw = _split(text.strip(), "secret key", SECRET_KEY_SIZE)
        return cls(name, raw[:SEED_SIZE], raw[SEED_SIZE:])

    @classmethod
    def generate(cls, name: str) -> SigningKey:
        """A new random key, as ``nix-store --generate-binary-cache-key`` makes."""
        _check_name(name, "secret key")
        private_cls, _ = _ed25519()
        seed = os.urandom(SEED_SIZE)
        public = private_cls.from_private_bytes(seed).public_key().public_bytes_raw()
        return cls(name, seed, public)

    def _private(self) -> Ed25519PrivateKey:
        private_cls, _ = _ed25519()
        return private_cls.from_private_bytes(self.seed)

    @property
    def verifying_key(self) -> VerifyingKey:
        return VerifyingKey(self.name, self.public)

    def sign(self, message: str | bytes) -> Signature:
        """Sign ``message`` (a fingerprint); ed25519 is deterministic, as is the result."""
        return Signature(self.name, self._private().sign(_as_bytes(message)))

    def to_text(self) -> str:
        """The secret key file's contents. Not ``__str__``, so it is never printed by accident."""
        return _join(self.name, self.seed + self.public)


def valid_signatures(
    message: str | bytes, signatures: Iterable[Signature], keys: Iterable[VerifyingKey]
) -> tuple[Signature, ...]:
    """The signatures of ``message`` that verify under a key of the same name among
    ``keys`` (a narinfo's or a store's path is trusted when this is not empty)."""
    by_name = {key.name: key for key in keys}
    return tuple(
        sig
        for sig in signatures
        if sig.key_name in by_name and by_name[sig.key_name].verify(message, sig)
    )
