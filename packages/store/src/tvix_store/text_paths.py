"""Text store paths: one regular file whose path follows from its contents and the store
paths it refers to (``builtins.toFile``, ``.drv`` files, the daemon's AddTextToStore).

The path is known from the text alone (:func:`text_store_path`), so an evaluation that only
computes paths needs no store; :func:`add_text` also stores the file and registers it.
"""

from __future__ import annotations

from collections.abc import Iterable

from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.hash import NixHash
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath, make_text_path
from tvix_castore.blobs.service import BlobService
from tvix_castore.nodes import FileNode

from tvix_store.nar.renderer import calculate_file_nar
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.service import PathInfoService

__all__ = ["add_text", "text_store_path"]


def text_store_path(
    name: str,
    text: bytes,
    references: Iterable[StorePath] = (),
    store_dir: str = DEFAULT_STORE_DIR,
) -> StorePath:
    """Where ``text`` named ``name`` and referring to ``references`` lives in the store."""
    return make_text_path(name, NixHash.of_bytes("sha256", text), references, store_dir)


def add_text(
    name: str,
    text: bytes,
    references: Iterable[StorePath],
    blobs: BlobService,
    path_infos: PathInfoService,
    store_dir: str = DEFAULT_STORE_DIR,
) -> PathInfo:
    """Store ``text`` as a text store path and register it; its PathInfo. Adding the same
    text again is harmless: the path, the blob and the PathInfo are the same."""
    refs = sorted(set(references), key=lambda path: path.base_name)
    with blobs.open_write() as writer:
        writer.write(text)
        digest = writer.close()
    nar_size, nar_sha256 = calculate_file_nar(text)
    content = NixHash.of_bytes("sha256", text)
    info = PathInfo(
        store_path=make_text_path(name, content, refs, store_dir),
        node=FileNode(digest, len(text)),
        nar_size=nar_size,
        nar_sha256=nar_sha256,
        references=tuple(refs),
        ca=ContentAddress(ContentAddressMethod.TEXT, content),
    )
    return path_infos.put(info)
