"""Store paths of one regular file: text paths, whose path follows from the contents and the
store paths they refer to (``builtins.toFile``, ``.drv`` files, the daemon's AddTextToStore),
and flat fixed-output files (``fetchurl``, a flat ``builtins.path``).

A text path is known from the text alone (:func:`text_store_path`), so an evaluation that
only computes paths needs no store; :func:`add_text` also stores the file and registers it.
:func:`file_path_info` stores a file's contents and describes it at a given path.
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

__all__ = ["add_text", "file_path_info", "text_store_path"]


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
    content = NixHash.of_bytes("sha256", text)
    info = file_path_info(
        make_text_path(name, content, refs, store_dir),
        text,
        ContentAddress(ContentAddressMethod.TEXT, content),
        blobs,
        references=refs,
    )
    return path_infos.put(info)


def file_path_info(
    store_path: StorePath,
    data: bytes,
    ca: ContentAddress,
    blobs: BlobService,
    *,
    executable: bool = False,
    references: Iterable[StorePath] = (),
) -> PathInfo:
    """Store ``data`` in castore; the PathInfo of ``store_path`` holding it as its one file
    (not registered: the caller decides when it becomes valid)."""
    with blobs.open_write() as writer:
        writer.write(data)
        digest = writer.close()
    nar_size, nar_sha256 = calculate_file_nar(data, executable)
    return PathInfo(
        store_path=store_path,
        node=FileNode(digest, len(data), executable),
        nar_size=nar_size,
        nar_sha256=nar_sha256,
        references=tuple(references),
        ca=ca,
    )
