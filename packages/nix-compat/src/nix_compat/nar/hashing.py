"""The NAR hash and size, computed while the NAR streams past rather than after storing it.

:class:`HashingSink` sits where a :class:`~nix_compat.nar.writer.NarWriter` writes (hashing a
tree as ``nix-hash`` does) and :class:`HashingReader` where a
:class:`~nix_compat.nar.reader.NarReader` reads (checking a NAR and hashing it in one pass, as
a store does when it imports one). Both take any algorithm :mod:`nix_compat.hash` knows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from nix_compat.hash import NixHash, hasher
from nix_compat.nar.dump import dump_path
from nix_compat.nar.reader import NarReader, Readable
from nix_compat.nar.writer import Sink

__all__ = ["HashingReader", "HashingSink", "NarDigest", "hash_nar", "hash_path"]


@dataclass(frozen=True, slots=True)
class NarDigest:
    """What a store records of a NAR: its hash and its size in bytes."""

    hash: NixHash
    size: int


class HashingSink:
    """A sink that hashes and counts what it is given, then passes it on to ``forward``."""

    def __init__(self, algo: str = "sha256", forward: Sink | None = None) -> None:
        self._algo = algo
        self._hasher = hasher(algo)
        self._forward = forward
        self.size = 0

    def __call__(self, data: bytes) -> None:
        self._hasher.update(data)
        self.size += len(data)
        if self._forward is not None:
            self._forward(data)

    def digest(self) -> NarDigest:
        """The hash and size of everything written so far."""
        return NarDigest(NixHash(self._algo, self._hasher.digest()), self.size)


class HashingReader:
    """A stream that hashes and counts the bytes read through it.

    It offers no ``seek``, so a reader on top of it reads every byte and the hash covers all.
    """

    def __init__(self, source: Readable, algo: str = "sha256") -> None:
        self._read = source.read
        self._algo = algo
        self._hasher = hasher(algo)
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._read(size)
        self._hasher.update(data)
        self.size += len(data)
        return data

    def digest(self) -> NarDigest:
        """The hash and size of everything read so far."""
        return NarDigest(NixHash(self._algo, self._hasher.digest()), self.size)


def hash_path(
    path: str | bytes | os.PathLike[str] | os.PathLike[bytes], algo: str = "sha256"
) -> NarDigest:
    """The hash and size of the NAR of the tree at ``path`` (``nix-hash --type algo``)."""
    sink = HashingSink(algo)
    dump_path(path, sink)
    return sink.digest()


def hash_nar(source: Readable, algo: str = "sha256") -> NarDigest:
    """Validate the NAR on ``source`` to its end and return its hash and size."""
    hashing = HashingReader(source, algo)
    for event in NarReader(hashing):
        del event  # contents are skipped, which reads (and so hashes) them
    return hashing.digest()
