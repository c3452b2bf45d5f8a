"""Content addresses: how a store path's name was derived from its contents (the ``CA`` field).

C++ Nix writes them as ``text:sha256:<nix32>`` (``builtins.toFile``, ``.drv`` files) or
``fixed:[r:|git:]<algo>:<nix32>`` (fixed-output paths: flat file, NAR, or git tree hashing).
The same spelling appears in narinfo files, in ``nix path-info --json`` and on the daemon wire.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from nix_compat.errors import HashError
from nix_compat.hash import HashFormat, NixHash, check_algorithm

__all__ = ["ContentAddress", "ContentAddressMethod"]


class ContentAddressMethod(enum.Enum):
    """What was hashed: a text file with references, a flat file, a NAR, or a git tree."""

    TEXT = "text"
    FLAT = "flat"
    NAR = "nar"
    GIT = "git"

    @property
    def prefix(self) -> str:
        """The rendering before the hash algorithm, e.g. ``fixed:r:`` for NAR hashing."""
        return _PREFIXES[self]


_PREFIXES = {
    ContentAddressMethod.TEXT: "text:",
    ContentAddressMethod.FLAT: "fixed:",
    ContentAddressMethod.NAR: "fixed:r:",
    ContentAddressMethod.GIT: "fixed:git:",
}


@dataclass(frozen=True, slots=True)
class ContentAddress:
    """A content-addressing method together with the hash of the contents."""

    method: ContentAddressMethod
    hash: NixHash

    def __post_init__(self) -> None:
        # Text paths are always sha256: the store path computation has no room for another.
        if self.method is ContentAddressMethod.TEXT and self.hash.algo != "sha256":
            raise HashError(
                f"text content address hash should use sha256, but instead uses {self.hash.algo}"
            )

    @classmethod
    def parse(cls, text: str) -> ContentAddress:
        """Parse ``text:<algo>:<hash>`` or ``fixed:[r:|git:]<algo>:<hash>``.

        The hash body may be base16, nix32 or base64 (told apart by length, as C++ Nix does),
        but neither prefixed again nor SRI.
        """
        kind, colon, rest = text.partition(":")
        if not colon:
            raise HashError(f"content address '{text}' is not of the form '<prefix>:<rest>'")
        if kind == "text":
            method = ContentAddressMethod.TEXT
        elif kind == "fixed":
            method, rest = _fixed_method(rest)
        else:
            raise HashError(
                f"content address prefix '{kind}' is unrecognized (known: 'text', 'fixed')"
            )
        algo, colon, body = rest.partition(":")
        if not colon:
            raise HashError(f"content address hash must be '<algo>:<hash>', in '{text}'")
        check_algorithm(algo)
        # A bare digest never contains ':' or '-'; refusing them keeps ``parse`` from
        # accepting a second prefix or an SRI spelling here.
        if ":" in body or "-" in body:
            raise HashError(f"content address '{text}' must end in a bare {algo} digest")
        return cls(method, NixHash.parse(body, algo))

    def render(self) -> str:
        """The spelling C++ Nix writes: the hash always in nix32."""
        return self.method.prefix + self.hash.format(HashFormat.NIX32, prefixed=True)

    def __str__(self) -> str:
        return self.render()


def _fixed_method(rest: str) -> tuple[ContentAddressMethod, str]:
    if rest.startswith("r:"):
        return ContentAddressMethod.NAR, rest[2:]
    if rest.startswith("git:"):
        return ContentAddressMethod.GIT, rest[4:]
    return ContentAddressMethod.FLAT, rest
