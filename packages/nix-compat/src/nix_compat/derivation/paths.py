"""Paths that follow from an output alone, before any hashing of the whole derivation.

A fixed output's path depends only on its content address and name; a floating output's
environment variable holds a placeholder until the build knows the path.
"""

from __future__ import annotations

from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.errors import DerivationError, StorePathError
from nix_compat.hash import HashFormat, NixHash
from nix_compat.store_path import (
    DEFAULT_STORE_DIR,
    StorePath,
    make_fixed_output_path,
    make_store_path,
    make_text_path,
    output_path_name,
)

__all__ = ["fixed_output_path", "hash_placeholder"]


def fixed_output_path(
    drv_name: str, output: str, ca: ContentAddress, store_dir: str = DEFAULT_STORE_DIR
) -> StorePath:
    """The path of a fixed output, from its content address alone."""
    name = output_path_name(drv_name, output)
    try:
        if ca.method is ContentAddressMethod.TEXT:
            return make_text_path(name, ca.hash, (), store_dir)
        if ca.method is ContentAddressMethod.GIT:
            if ca.hash.algo != "sha1":
                raise DerivationError(
                    "git hashing of a fixed output needs a sha1 hash", field=f"outputs.{output}"
                )
            fingerprint = f"fixed:out:git:{ca.hash.format(HashFormat.BASE16, prefixed=True)}:"
            inner = NixHash.of_bytes("sha256", fingerprint.encode())
            return make_store_path("output:out", inner, name, store_dir)
        return make_fixed_output_path(
            name, ca.hash, ca.method is ContentAddressMethod.NAR, store_dir=store_dir
        )
    except StorePathError as e:
        raise DerivationError(str(e), field=f"outputs.{output}") from None


def hash_placeholder(output: str) -> str:
    """What stands for a not-yet-known output path in the environment (``hashPlaceholder``)."""
    return "/" + NixHash.of_bytes("sha256", f"nix-output:{output}".encode()).to_nix32()
