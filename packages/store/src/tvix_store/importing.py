"""Adding a file system tree to the store, as ``nix-store --add`` does.

The tree goes into castore first; its NAR hash is then computed from what castore holds (so
the hash describes exactly the stored contents, even if the tree changed meanwhile), which
gives the store path: a source path with no references, content-addressed by the NAR's
SHA-256, the path ``nix-store --add`` prints. Its PathInfo is written last: until then the
path is not valid, and the blobs and directories already stored are unreferenced.
"""

from __future__ import annotations

import os
from pathlib import Path

from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.errors import NixCompatError
from nix_compat.hash import NixHash
from nix_compat.store_path import check_name, make_source_path
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.ingest import ingest_path

from tvix_store.errors import StoreError
from tvix_store.nar.renderer import calculate_nar
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.service import PathInfoService

__all__ = ["import_path"]


def import_path(
    path: str | os.PathLike[str],
    blobs: BlobService,
    directories: DirectoryService,
    path_infos: PathInfoService,
    *,
    name: str | None = None,
) -> PathInfo:
    """Add the tree at ``path`` under ``name`` (by default its base name)."""
    name = Path(os.path.abspath(path)).name if name is None else name
    try:
        check_name(name)
    except NixCompatError as exc:
        raise StoreError(f"cannot add {os.fspath(path)}: {exc}") from None
    node = ingest_path(path, blobs, directories)
    nar_size, nar_sha256 = calculate_nar(node, blobs, directories)
    nar_hash = NixHash("sha256", nar_sha256)
    info = PathInfo(
        store_path=make_source_path(name, nar_hash),
        node=node,
        nar_size=nar_size,
        nar_sha256=nar_sha256,
        ca=ContentAddress(ContentAddressMethod.NAR, nar_hash),
    )
    return path_infos.put(info)
