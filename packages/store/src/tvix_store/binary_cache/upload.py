"""Writing store paths into a binary cache, as ``nix copy --to`` does.

A path's NAR is rendered from castore, compressed and hashed on the way into a scratch file
(its name in the cache is the hash of the compressed file, known only at the end), uploaded
as ``nar/<hash>.nar.<ext>``, and only then is its narinfo written: a cache never announces a
path whose NAR is not there.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from typing import IO, Final

from nix_compat import nixbase32
from nix_compat.hash import NixHash
from nix_compat.signing import SigningKey
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.service import DirectoryService

from tvix_store.binary_cache.compression import EXTENSIONS, compressor
from tvix_store.binary_cache.transport import CacheTransport
from tvix_store.errors import BinaryCacheError
from tvix_store.nar.renderer import render_nar
from tvix_store.pathinfo import PathInfo

__all__ = ["CACHE_INFO", "upload_path"]

#: What a cache written by us says of itself (C++ Nix writes the same when it creates one).
CACHE_INFO: Final = "StoreDir: /nix/store\n"
_PIECE: Final = 1 << 20


def _pieces(scratch: IO[bytes]) -> Iterator[bytes]:
    scratch.seek(0)
    while piece := scratch.read(_PIECE):
        yield piece


def upload_path(
    info: PathInfo,
    blobs: BlobService,
    directories: DirectoryService,
    cache: CacheTransport,
    *,
    compression: str = "xz",
    key: SigningKey | None = None,
) -> None:
    """Put ``info``'s NAR and narinfo into ``cache`` (its references should be there)."""
    if compression not in EXTENSIONS:
        raise BinaryCacheError("compression", f"unknown compression '{compression}'")
    compress = compressor(compression)
    file_hash = hashlib.sha256()
    nar_hash = hashlib.sha256()
    nar_size = 0
    with tempfile.TemporaryFile() as scratch:
        for piece in render_nar(info.node, blobs, directories):
            nar_hash.update(piece)
            nar_size += len(piece)
            out = compress.compress(piece)
            file_hash.update(out)
            scratch.write(out)
        out = compress.flush()
        file_hash.update(out)
        scratch.write(out)
        if (nar_size, nar_hash.digest()) != (info.nar_size, info.nar_sha256):
            raise BinaryCacheError(
                info.store_path.to_absolute_path(),
                "the store's contents do not match its NAR hash: refusing to upload them",
            )
        file_size = scratch.tell()
        url = f"nar/{nixbase32.encode(file_hash.digest())}{EXTENSIONS[compression]}"
        cache.write(url, _pieces(scratch), "application/x-nix-nar")
    if key is not None:
        info = info.with_signature(key)
    narinfo = info.to_narinfo(
        url,
        compression=compression,
        file_hash=NixHash("sha256", file_hash.digest()),
        file_size=file_size,
    )
    cache.write(
        f"{info.store_path.hash_part}.narinfo", narinfo.to_string().encode(), "text/x-nix-narinfo"
    )
