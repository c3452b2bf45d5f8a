"""What every PathInfo service offers.

PathInfos are looked up by the store path's 20-byte digest (the part of
``/nix/store/<digest>-<name>`` before the name), as Tvix does: a path's digest identifies it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from nix_compat.store_path import StorePath
from tvix_castore.nodes import Node

from tvix_store.pathinfo import PathInfo

__all__ = ["NarCalculationService", "PathInfoService", "path_info_of"]


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


def path_info_of(service: PathInfoService, path: StorePath) -> PathInfo | None:
    """The PathInfo of exactly ``path``: services look up by digest, and a PathInfo filed
    under the digest with another name does not answer for this path."""
    info = service.get(path.digest)
    return info if info is not None and info.store_path == path else None
