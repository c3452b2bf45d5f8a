"""Nix store paths on top of tvix-castore: PathInfo, NAR rendering and ingestion, binary caches."""

from tvix_store._version import __version__

__all__ = ["__version__"]
