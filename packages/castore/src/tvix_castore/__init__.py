"""Tvix's content-addressed store: blake3 blobs and directories, their services and backends.

Usable without Nix: ``B3Digest`` and the nodes are the data model, ``blobs`` and
``directories`` the services, ``composition`` builds them from URLs or a description.
"""

from tvix_castore._version import __version__
from tvix_castore.digest import B3Digest
from tvix_castore.nodes import Directory, DirectoryNode, FileNode, Node, SymlinkNode

__all__ = [
    "B3Digest",
    "Directory",
    "DirectoryNode",
    "FileNode",
    "Node",
    "SymlinkNode",
    "__version__",
]
