"""PathInfo from a Nix binary cache (``nix+https://cache.nixos.org``, ``nix+file:///cache``).

A lookup fetches ``<hash>.narinfo``; when the cache has it, its NAR is downloaded,
decompressed and ingested into castore (checked against NarHash and NarSize before anything
becomes visible), and the PathInfo is made from the narinfo and the ingested root node. So
this service is slow and stateless: put a local service in front of it as a cache.

Trust, as Tvix has it: with no ``public_keys`` every narinfo is taken as it is; with a list
(even an empty one) a narinfo needs a valid signature by one of the keys, or a store path that
follows from its content address (which C++ Nix accepts too). A narinfo for another path than
the one asked for is refused. The cache is read-only: put and list are refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from nix_compat import nixbase32
from nix_compat.errors import NixCompatError
from nix_compat.narinfo import NarInfo
from nix_compat.signing import VerifyingKey
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.service import DirectoryService

from tvix_store.binary_cache.compression import decompressing_reader
from tvix_store.binary_cache.transport import CacheTransport, transport_for
from tvix_store.errors import BinaryCacheError, NarIngestError, PathInfoServiceError, StoreError
from tvix_store.nar.ingest import ingest_nar
from tvix_store.pathinfo import PathInfo

__all__ = ["NixHttpPathInfoService", "fetch_narinfo"]

#: No honest narinfo comes near this; a bigger one is refused before it fills memory.
MAX_NARINFO_SIZE: Final = 1 << 20


def fetch_narinfo(transport: CacheTransport, digest: bytes) -> NarInfo | None:
    """The cache's narinfo for the store path with ``digest``, or None; checked to be that
    path's (BinaryCacheError otherwise)."""
    key = f"{nixbase32.encode(digest)}.narinfo"
    stream = transport.open(key)
    if stream is None:
        return None
    with stream:
        text = stream.read(MAX_NARINFO_SIZE + 1)
    where = f"{transport.url}/{key}"
    if len(text) > MAX_NARINFO_SIZE:
        raise BinaryCacheError(where, f"larger than {MAX_NARINFO_SIZE} bytes")
    try:
        narinfo = NarInfo.parse(text)
    except NixCompatError as exc:
        raise BinaryCacheError(where, f"not a valid narinfo: {exc}") from None
    if narinfo.store_path.digest != digest:
        raise BinaryCacheError(where, f"is the narinfo of another path, {narinfo.store_path}")
    return narinfo


class NixHttpPathInfoService:
    """A read-only PathInfo service over a binary cache, ingesting NARs into castore."""

    def __init__(
        self,
        url: str,
        blobs: BlobService,
        directories: DirectoryService,
        *,
        public_keys: Sequence[VerifyingKey] | None = None,
        transport: CacheTransport | None = None,
    ):
        self.url = url
        self._transport = transport or transport_for(url)
        self._blobs = blobs
        self._directories = directories
        self.public_keys = None if public_keys is None else tuple(public_keys)

    def get(self, digest: bytes) -> PathInfo | None:
        try:
            narinfo = fetch_narinfo(self._transport, bytes(digest))
            if narinfo is None:
                return None
            self._check_trust(narinfo)
            return self._ingest(narinfo)
        except StoreError as exc:
            raise PathInfoServiceError(self.url, str(exc)) from exc

    def _check_trust(self, narinfo: NarInfo) -> None:
        if self.public_keys is None or narinfo.valid_signatures(self.public_keys):
            return
        if narinfo.ca is not None:
            # Checked in full once ingested: the NAR hash then vouches for the contents.
            return
        raise BinaryCacheError(
            narinfo.store_path.to_absolute_path(),
            "has no valid signature by a trusted key"
            + ("" if narinfo.signatures else " (it is not signed)"),
        )

    def _ingest(self, narinfo: NarInfo) -> PathInfo:
        where = f"{self._transport.url}/{narinfo.url}"
        stream = self._transport.open(narinfo.url)
        if stream is None:
            raise BinaryCacheError(where, "the narinfo's NAR is missing")
        if narinfo.nar_hash.algo != "sha256":
            raise BinaryCacheError(where, f"NarHash is {narinfo.nar_hash.algo}, not sha256")
        with stream:
            try:
                ingested = ingest_nar(
                    decompressing_reader(stream, narinfo.compression, where),
                    self._blobs,
                    self._directories,
                    expected_sha256=narinfo.nar_hash.digest,
                    expected_size=narinfo.nar_size,
                )
            except NarIngestError as exc:
                raise BinaryCacheError(where, str(exc)) from None
        info = PathInfo.from_narinfo(narinfo, ingested.node)
        trusted = self.public_keys is None or info.valid_signatures(self.public_keys)
        if not trusted and not info.follows_from_content_address():
            raise BinaryCacheError(
                narinfo.store_path.to_absolute_path(),
                "has no valid signature by a trusted key, and its content address "
                "does not give its store path",
            )
        return info

    def put(self, info: PathInfo) -> PathInfo:
        raise PathInfoServiceError(self.url, "a binary cache read over HTTP is read-only")

    def list(self) -> Iterator[PathInfo]:
        raise PathInfoServiceError(self.url, "a binary cache cannot list its paths")

    def close(self) -> None:
        self._transport.close()
