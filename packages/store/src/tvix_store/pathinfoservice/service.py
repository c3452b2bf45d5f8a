"""What every PathInfo service offers.

PathInfos are looked up by the store path's 20-byte digest (the part of
``/nix/store/<digest>-<name>`` before the name), as Tvix does: a path's digest identifies it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from tvix_castore.nodes import Node

from tvix_store.pathinfo import PathInfo

__all__ = ["NarCalculationService", "PathInfoService"]


@runtime_checkable
class PathInfoService(Protocol):
    """A store of PathInfos (memory, sqlite, PostgreSQL, gRPC, a binary cache, combinators)."""

    def get(self, digest: bytes) -> PathInfo | None:
        """The PathInfo of the store path with this digest, or None."""
        ...

    def put(self, info: PathInfo) -> PathInfo:
        """Store ``info`` (its contents are in castore already); returns what was stored,
        which may carry more signatures. Putting a path again replaces it."""
        ...

    def list(self) -> Iterator[PathInfo]:
        """Every PathInfo; PathInfoServiceError where a backend cannot list (a binary cache)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class NarCalculationService(Protocol):
    """Computes a node's NAR size and SHA-256 (locally from castore, or by asking a server)."""

    def calculate_nar(self, node: Node) -> tuple[int, bytes]: ...
