"""The store as a read-only file system: every valid store path, as ``/nix/store`` shows it.

castore's FUSE file system is given the store paths as its root entries, looked up lazily:
a name is resolved to its PathInfo only when asked for, and listing the root lists the
PathInfo service (which a binary cache cannot do: its root lists as empty).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator, Mapping

from nix_compat.errors import NixCompatError
from nix_compat.store_path import StorePath
from tvix_castore.nodes import Node

from tvix_store.errors import StoreError
from tvix_store.pathinfoservice.service import PathInfoService, path_info_of

__all__ = ["StorePathRoots"]


class StorePathRoots(Mapping[bytes, Node]):
    """Store path base names to their root nodes, read from a PathInfo service on demand."""

    def __init__(self, path_infos: PathInfoService):
        self._path_infos = path_infos

    def __getitem__(self, name: bytes) -> Node:
        try:
            path = StorePath.from_base_name(name.decode())
        except (UnicodeDecodeError, NixCompatError):
            raise KeyError(name) from None
        try:
            info = path_info_of(self._path_infos, path)
        except StoreError as exc:
            raise OSError(errno.EIO, str(exc)) from None
        if info is None:
            raise KeyError(name)
        return info.node

    def __iter__(self) -> Iterator[bytes]:
        try:
            for info in self._path_infos.list():
                yield info.store_path.base_name.encode()
        except StoreError:
            return  # a service that cannot list (a binary cache) shows an empty root

    def __len__(self) -> int:
        return sum(1 for _ in self)
