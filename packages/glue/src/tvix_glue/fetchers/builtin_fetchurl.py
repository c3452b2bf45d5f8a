"""``builtin:fetchurl`` derivations (what ``<nix/fetchurl.nix>`` makes) carried out as
fetches, not builds: the URL downloaded, checked against the derivation's fixed output and
stored at its output path, as C++ Nix's builtin builder does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tvix_eval.errors import NixError

from tvix_glue.fetchers.download import download
from tvix_glue.fetchers.fetch import HashMismatch, fetch_file, fixed_output_mismatch

if TYPE_CHECKING:
    from nix_compat.derivation.model import Derivation
    from nix_compat.hash import NixHash
    from nix_compat.store_path import StorePath

    from tvix_glue.store_io import TvixStoreIO

__all__ = ["BUILDER", "fetch_derivation"]

#: The builder that marks a derivation as a fetch.
BUILDER = "builtin:fetchurl"


def fetch_derivation(io: TvixStoreIO, drv_path: StorePath, drv: Derivation) -> None:
    """Carry out the ``builtin:fetchurl`` derivation ``drv``: its output path is valid after."""
    from nix_compat.content_address import ContentAddressMethod
    from nix_compat.derivation.model import FixedOutput
    from tvix_eval.builtins.log import log

    shown = drv_path.to_absolute_path(io.store_dir)
    out = drv.outputs.get("out")
    if not isinstance(out, FixedOutput) or "url" not in drv.env:
        raise NixError(f"'{shown}': a {BUILDER} derivation needs a fixed output and a url")
    log(f"building '{shown}'...")
    expected = out.ca.hash
    recursive = out.ca.method == ContentAddressMethod.NAR
    url, name = drv.env["url"], drv.name
    try:
        if drv.env.get("unpack") == "1":
            _fetch_nar(io, shown, url, out.path, expected)
        else:
            executable = drv.env.get("executable") == "1"
            fetch_file(io, url, name, expected, recursive=recursive, executable=executable)
    except HashMismatch as mismatch:
        if mismatch.expected is None or mismatch.got is None:
            raise
        raise fixed_output_mismatch(shown, mismatch.expected, mismatch.got) from None


def _fetch_nar(
    io: TvixStoreIO, shown: str, url: str, path: StorePath | None, expected: NixHash
) -> None:
    """``unpack``: the URL is a NAR (xz-compressed where it ends in ``.xz``), restored as
    the output; a download that is not one fails as the reference's builder does."""
    import contextlib
    import lzma
    import tempfile

    from nix_compat.content_address import ContentAddress, ContentAddressMethod
    from tvix_eval.builtins.log import log
    from tvix_store.errors import NarIngestError
    from tvix_store.nar.ingest import ingest_nar
    from tvix_store.nar.renderer import nar_hash
    from tvix_store.pathinfo import PathInfo

    assert path is not None
    with tempfile.TemporaryFile() as spool:
        download(url, spool)
        spool.seek(0)
        try:
            with contextlib.ExitStack() as stack:
                stream = stack.enter_context(lzma.open(spool)) if url.endswith(".xz") else spool
                nar = ingest_nar(stream, io.store.blobs, io.store.directories)
        except (NarIngestError, lzma.LZMAError):
            log("error: bad archive: input doesn't look like a Nix archive")
            raise NixError(f"builder for '{shown}' failed with exit code 1") from None
    store = io.store
    got = nar_hash(nar.node, expected.algo, store.blobs, store.directories, sha256=nar.nar_sha256)
    if got != expected:
        raise HashMismatch("", expected, got)
    io.store.path_infos.put(
        PathInfo(
            store_path=path,
            node=nar.node,
            nar_size=nar.nar_size,
            nar_sha256=nar.nar_sha256,
            ca=ContentAddress(ContentAddressMethod.NAR, expected),
        )
    )
