"""Files and tarballs fetched into the store, as ``fetchurl`` and ``fetchTarball`` (and
``builtin:fetchurl`` derivations) fetch them.

With a hash given, the store path is known beforehand: if the store has it, nothing is
downloaded. What is downloaded is hashed as it is stored, and registered only once it is
known to be what was asked for: a mismatch is C++ Nix's ``hash mismatch`` error and leaves
no store path behind. Fetched paths are written to the store even when an evaluation only
computes the paths of what it makes (as C++ Nix does): fetching is the expensive part, and
the store is the cache.
"""

from __future__ import annotations

import tempfile
from typing import IO, TYPE_CHECKING

from tvix_eval.errors import NixError

from tvix_glue.fetchers.download import download
from tvix_glue.fetchers.tree import FetchedTree, remember_tree, remembered_tree, time_attrs

if TYPE_CHECKING:
    from nix_compat.hash import NixHash
    from nix_compat.store_path import StorePath
    from tvix_castore.nodes import DirectoryNode, Node

    from tvix_glue.store_io import TvixStoreIO

__all__ = [
    "HashMismatch",
    "fetch_file",
    "fetch_tarball",
    "fetch_tarball_tree",
    "fixed_output_mismatch",
]


def _known(io: TvixStoreIO, path: StorePath) -> bool:
    return io.path_info(path) is not None


def fetch_file(
    io: TvixStoreIO,
    url: str,
    name: str,
    expected: NixHash | None,
    *,
    recursive: bool = False,
    executable: bool = False,
) -> str:
    """``url``'s contents as a fixed-output store path named ``name``: flat (``fetchurl``),
    or by the NAR hash of the file (``recursive``, as ``fetchTree``'s ``file`` type; an
    ``executable`` one, as ``builtin:fetchurl`` makes it)."""
    from nix_compat.content_address import ContentAddress, ContentAddressMethod
    from nix_compat.hash import NixHash
    from nix_compat.store_path import make_fixed_output_path
    from tvix_store.file_paths import file_path_info
    from tvix_store.nar.renderer import calculate_file_nar

    params = {"url": url, "name": name, "recursive": recursive, "executable": executable}
    if expected is not None:
        path = make_fixed_output_path(name, expected, recursive, store_dir=io.store_dir)
        if _known(io, path):
            return path.to_absolute_path(io.store_dir)
    else:
        cached = io.fetch_cache.get("file", params, io.tarball_ttl)
        if cached is not None and io.has_path(cached.store_path):
            return cached.store_path
    with tempfile.TemporaryFile() as spool:
        download(url, spool)
        spool.seek(0)
        data = spool.read()
    algo = expected.algo if expected is not None else "sha256"
    if recursive and algo == "sha256":
        got = NixHash("sha256", calculate_file_nar(data, executable)[1])
    elif recursive:
        got = _file_nar_hash(algo, data, executable)
    else:
        got = NixHash.of_bytes(algo, data)
    if expected is not None and got != expected:
        raise _mismatch("file downloaded from", url, expected, got)
    path = make_fixed_output_path(name, got, recursive, store_dir=io.store_dir)
    method = ContentAddressMethod.NAR if recursive else ContentAddressMethod.FLAT
    ca = ContentAddress(method, got)
    io.store.path_infos.put(
        file_path_info(path, data, ca, io.store.blobs, executable=executable and recursive)
    )
    if expected is None:
        io.fetch_cache.put("file", params, path.to_absolute_path(io.store_dir), {})
    return path.to_absolute_path(io.store_dir)


def _file_nar_hash(algo: str, data: bytes, executable: bool) -> NixHash:
    """The ``algo`` hash of the NAR of one file holding ``data``."""
    from nix_compat.nar.hashing import HashingSink
    from nix_compat.nar.writer import NarWriter

    sink = HashingSink(algo)
    writer = NarWriter(sink)
    writer.regular(data, executable=executable)
    writer.close()
    return sink.digest().hash


def fetch_tarball(io: TvixStoreIO, url: str, name: str, expected: NixHash | None) -> str:
    """``url``'s archive unpacked (a single top-level folder stripped) as a recursive,
    fixed-output store path named ``name``."""
    return fetch_tarball_tree(io, url, name, expected).path


def fetch_tarball_tree(
    io: TvixStoreIO, url: str, name: str, expected: NixHash | None, *, strip: bool = True
) -> FetchedTree:
    """:func:`fetch_tarball`, with the NAR hash and (when downloaded) the newest time of the
    archive's entries as ``lastModified``, as ``fetchTree`` tells them."""
    from nix_compat.content_address import ContentAddress, ContentAddressMethod
    from nix_compat.hash import NixHash
    from nix_compat.store_path import make_fixed_output_path
    from tvix_castore.errors import CastoreError
    from tvix_castore.ingest.archive import ingest_archive
    from tvix_store.nar.renderer import calculate_nar, nar_hash
    from tvix_store.pathinfo import PathInfo

    params = {"url": url, "name": name, "strip": strip}
    if expected is not None:
        path = make_fixed_output_path(name, expected, True, store_dir=io.store_dir)
        if _known(io, path):
            return FetchedTree(path.to_absolute_path(io.store_dir), expected)
    else:
        remembered = remembered_tree(io, "tarball", params, io.tarball_ttl)
        if remembered is not None:
            return remembered
    newest: int | None = None
    try:
        with tempfile.TemporaryFile() as spool:
            try:
                download(url, spool)
            except NixError as failed:
                # The archive reader is what met the failure, in C++ Nix: its words around.
                failed.positioned = False
                raise NixError(
                    f"Failed to open archive (Source threw exception: {failed.render()})"
                ) from None
            spool.seek(0)
            try:
                root = ingest_archive(spool, io.store.blobs, io.store.directories)
            except CastoreError:
                raise NixError("Failed to open archive (Unrecognized archive format)") from None
            spool.seek(0)
            newest = _newest_entry(spool)
    except NixError as e:
        e.add_trace(f"while fetching the input '{url}'")
        raise
    node = _strip_top_folder(io, root) if strip else root
    nar_size, nar_sha256 = calculate_nar(node, io.store.blobs, io.store.directories)
    algo = "sha256" if expected is None else expected.algo
    got = nar_hash(node, algo, io.store.blobs, io.store.directories, sha256=nar_sha256)
    if expected is not None and got != expected:
        raise _mismatch("file downloaded from", url, expected, got)
    path = make_fixed_output_path(name, got, True, store_dir=io.store_dir)
    io.store.path_infos.put(
        PathInfo(
            store_path=path,
            node=node,
            nar_size=nar_size,
            nar_sha256=nar_sha256,
            ca=ContentAddress(ContentAddressMethod.NAR, got),
        )
    )
    tree = FetchedTree(path.to_absolute_path(io.store_dir), NixHash("sha256", nar_sha256))
    if newest is not None:
        tree.attrs.update(time_attrs(newest))
    if expected is None:
        remember_tree(io, "tarball", params, tree)
    return tree


def _newest_entry(archive: IO[bytes]) -> int | None:
    """The newest modification time of a tar archive's entries (None for an archive tarfile
    cannot list: zstd)."""
    import tarfile

    try:
        with tarfile.open(fileobj=archive, mode="r|*") as listing:
            return max((int(member.mtime) for member in listing), default=0)
    except tarfile.TarError:
        return None


def _strip_top_folder(io: TvixStoreIO, root: DirectoryNode) -> Node:
    """The archive's only entry if it is a folder (as tarballs of sources are made);
    otherwise the archive's root itself."""
    from tvix_castore.nodes import DirectoryNode

    directory = io.store.directories.get(root.digest)
    if directory is not None and len(directory) == 1:
        (only,) = directory.values()
        if isinstance(only, DirectoryNode):
            return only
    return root


class HashMismatch(NixError):
    """What was fetched is not what the hash says (status 102, as C++ Nix exits with);
    ``expected`` and ``got`` are the two hashes (None where the message alone is known)."""

    exit_status = 102

    def __init__(
        self, message: str, expected: NixHash | None = None, got: NixHash | None = None
    ) -> None:
        super().__init__(message)
        self.expected = expected
        self.got = got


def fixed_output_mismatch(drv_path: str, expected: NixHash, got: NixHash) -> HashMismatch:
    """What a fixed-output derivation that made something else is, in C++ Nix's words."""
    return HashMismatch(
        f"hash mismatch in fixed-output derivation '{drv_path}':\n"
        f"  specified: {expected.to_sri()}\n"
        f"     got:    {got.to_sri()}",
        expected,
        got,
    )


def _mismatch(what: str, url: str, expected: NixHash, got: NixHash) -> NixError:
    return HashMismatch(
        f"hash mismatch in {what} '{url}':\n"
        f"  specified: {expected.algo}:{expected.to_nix32()}\n"
        f"  got:       {got.algo}:{got.to_nix32()}",
        expected,
        got,
    )
