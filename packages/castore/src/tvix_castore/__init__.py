"""Tvix's content-addressed store: blake3 blobs and directories, their services and backends."""

from tvix_castore._version import __version__

__all__ = ["__version__"]
