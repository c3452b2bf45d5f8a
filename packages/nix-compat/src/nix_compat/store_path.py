"""Store paths: ``<store dir>/<nixbase32 of 20 bytes>-<name>``, and how Nix computes them.

A :class:`StorePath` is the part below the store directory (digest and name); the store
directory is supplied where a path is parsed from or rendered to an absolute path, so one
value works for ``/nix/store`` and for any other store.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from nix_compat import nixbase32
from nix_compat.errors import Nixbase32Error, StorePathError
from nix_compat.hash import HashFormat, NixHash, compress_hash

__all__ = [
    "DEFAULT_STORE_DIR",
    "DIGEST_SIZE",
    "MAX_NAME_LEN",
    "StorePath",
    "check_name",
    "invalid_name_reason",
    "make_fixed_output_path",
    "make_output_path",
    "make_source_path",
    "make_store_path",
    "make_text_path",
    "output_path_name",
]

DEFAULT_STORE_DIR: Final = "/nix/store"
DIGEST_SIZE: Final = 20
ENCODED_DIGEST_LEN: Final = nixbase32.encoded_len(DIGEST_SIZE)
#: The longest name C++ Nix accepts (a store path base name is at most 244 bytes).
MAX_NAME_LEN: Final = 211

_NAME_BYTES: Final = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?="
)
#: A name of the legal characters only, of a legal length (all ASCII: characters are bytes).
_PLAIN_NAME: Final = re.compile(r"[a-zA-Z0-9+\-._?=]{1,%d}" % MAX_NAME_LEN)


def check_name(name: str) -> None:
    """Raise :class:`StorePathError` unless ``name`` is a legal store path name."""
    reason = invalid_name_reason(name)
    if reason is not None:
        raise StorePathError(reason)


def invalid_name_reason(name: str) -> str | None:
    """What is wrong with ``name`` as a store path name, in C++ Nix 2.26's words (which the
    language shows for a derivation's or a file's name), or None if nothing is. Checked on
    its bytes, as C++ Nix checks them: the first byte out of place is the one named."""
    if _PLAIN_NAME.fullmatch(name) is not None and name[0] != ".":
        return None  # almost every name: one scan in C
    raw = name.encode("utf-8", "surrogateescape")
    if not raw:
        return "name must not be empty"
    if len(raw) > MAX_NAME_LEN:
        return f"name '{name}' must be no longer than {MAX_NAME_LEN} characters"
    # "." and ".." (alone, or as the first dash-separated component) would make hostile
    # file names.
    if raw in (b".", b".."):
        return f"name '{name}' is not valid"
    first = raw.split(b"-", 1)[0]
    if first in (b".", b".."):
        return (
            f"name '{name}' is not valid: first dash-separated component must not be "
            f"'{first.decode()}'"
        )
    for byte in raw:
        if byte not in _NAME_BYTES:
            shown = bytes([byte]).decode("utf-8", "surrogateescape")
            return f"name '{name}' contains illegal character '{shown}'"
    return None


def _check_store_dir(store_dir: str) -> str:
    if store_dir == DEFAULT_STORE_DIR:
        return store_dir
    if not store_dir.startswith("/") or (len(store_dir) > 1 and store_dir.endswith("/")):
        raise StorePathError(
            f"store directory '{store_dir}' must be absolute, without '/' at the end"
        )
    return store_dir


@dataclass(frozen=True, slots=True, order=True)
class StorePath:
    """The digest and name of a store path, independent of the store directory."""

    digest: bytes
    name: str
    #: ``<hash>-<name>``, spelled once: paths are sorted and printed by it over and over.
    _base_name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.digest) != DIGEST_SIZE:
            raise StorePathError(
                f"store path digest must be {DIGEST_SIZE} bytes, not {len(self.digest)}"
            )
        check_name(self.name)
        object.__setattr__(self, "_base_name", f"{nixbase32.encode(self.digest)}-{self.name}")

    @classmethod
    def _checked(cls, digest: bytes, name: str, base_name: str) -> StorePath:
        """A path whose parts the caller has checked and spelled (it makes or parses them
        by the thousand; checking and encoding again would double the work)."""
        path = object.__new__(cls)
        object.__setattr__(path, "digest", digest)
        object.__setattr__(path, "name", name)
        object.__setattr__(path, "_base_name", base_name)
        return path

    @classmethod
    def from_base_name(cls, base_name: str) -> StorePath:
        """Parse ``<hash>-<name>``, the last component of a store path."""
        if cls is StorePath:
            # Paths are parsed from the same strings over and over (string contexts).
            return _parse_base_name(base_name)
        return cls._parse_base_name(base_name)

    @classmethod
    def _parse_base_name(cls, base_name: str) -> StorePath:
        if len(base_name) < ENCODED_DIGEST_LEN + 2 or base_name[ENCODED_DIGEST_LEN] != "-":
            raise StorePathError(f"'{base_name}' is not a store path base name (<hash>-<name>)")
        try:
            digest = nixbase32.decode(base_name[:ENCODED_DIGEST_LEN], DIGEST_SIZE)
        except Nixbase32Error as e:
            raise StorePathError(f"invalid hash part of store path '{base_name}': {e}") from None
        name = base_name[ENCODED_DIGEST_LEN + 1 :]
        check_name(name)
        return cls._checked(digest, name, base_name)

    @classmethod
    def from_absolute_path(cls, path: str, store_dir: str = DEFAULT_STORE_DIR) -> StorePath:
        """Parse ``<store_dir>/<hash>-<name>``; nothing may follow the base name."""
        prefix = _check_store_dir(store_dir).rstrip("/") + "/"
        if not path.startswith(prefix):
            raise StorePathError(f"path '{path}' is not in the Nix store '{store_dir}'")
        base = path[len(prefix) :]
        if "/" in base:
            raise StorePathError(f"path '{path}' is not a store path: it is below one")
        return cls.from_base_name(base)

    @classmethod
    def from_absolute_path_prefix(
        cls, path: str, store_dir: str = DEFAULT_STORE_DIR
    ) -> tuple[StorePath, str]:
        """Split a path inside the store into its store path and the rest (``''`` or ``/...``)."""
        prefix = _check_store_dir(store_dir).rstrip("/") + "/"
        if not path.startswith(prefix):
            raise StorePathError(f"path '{path}' is not in the Nix store '{store_dir}'")
        base, slash, rest = path[len(prefix) :].partition("/")
        return cls.from_base_name(base), slash + rest

    @property
    def hash_part(self) -> str:
        """The nixbase32 digest, as it appears in the path."""
        return self._base_name[:ENCODED_DIGEST_LEN]

    @property
    def base_name(self) -> str:
        return self._base_name

    def to_absolute_path(self, store_dir: str = DEFAULT_STORE_DIR) -> str:
        return f"{_check_store_dir(store_dir).rstrip('/')}/{self.base_name}"

    def __str__(self) -> str:
        return self.base_name


@functools.lru_cache(maxsize=1 << 16)
def _parse_base_name(base_name: str) -> StorePath:
    return StorePath._parse_base_name(base_name)


# -- computing store paths -------------------------------------------------------------------


def make_store_path(
    path_type: str, inner: NixHash, name: str, store_dir: str = DEFAULT_STORE_DIR
) -> StorePath:
    """The store path for a fingerprint ``<type>:<algo>:<hex>:<store dir>:<name>``. A name
    that is not valid is refused as C++ Nix refuses it, naming the path it would have had."""
    fingerprint = f"{path_type}:{inner.algo}:{inner.to_base16()}:{store_dir}:{name}"
    sha256 = hashlib.sha256(fingerprint.encode("utf-8", "surrogateescape")).digest()
    digest = compress_hash(sha256, DIGEST_SIZE)
    base_name = f"{nixbase32.encode(digest)}-{name}"
    reason = invalid_name_reason(name)
    if reason is not None:
        raise StorePathError(f"path '{base_name}' is not a valid store path: {reason}")
    return StorePath._checked(digest, name, base_name)


def _type_with_references(
    kind: str, references: Iterable[StorePath], self_reference: bool, store_dir: str
) -> str:
    parts = [kind]
    parts.extend(sorted(r.to_absolute_path(store_dir) for r in references))
    if self_reference:
        parts.append("self")
    return ":".join(parts)


def make_text_path(
    name: str,
    content_hash: NixHash,
    references: Iterable[StorePath] = (),
    store_dir: str = DEFAULT_STORE_DIR,
) -> StorePath:
    """The path of a text file (``builtins.toFile``, ``.drv`` files); sha256 of the content."""
    if content_hash.algo != "sha256":
        raise StorePathError("text store paths need a sha256 content hash")
    path_type = _type_with_references("text", references, False, store_dir)
    return make_store_path(path_type, content_hash, name, store_dir)


def make_source_path(
    name: str,
    nar_hash: NixHash,
    references: Iterable[StorePath] = (),
    self_reference: bool = False,
    store_dir: str = DEFAULT_STORE_DIR,
) -> StorePath:
    """The path of a tree added to the store by its NAR's sha256 (``nix-store --add``)."""
    if nar_hash.algo != "sha256":
        raise StorePathError("source store paths need a sha256 NAR hash")
    path_type = _type_with_references("source", references, self_reference, store_dir)
    return make_store_path(path_type, nar_hash, name, store_dir)


def make_fixed_output_path(
    name: str,
    content_hash: NixHash,
    recursive: bool,
    references: Iterable[StorePath] = (),
    self_reference: bool = False,
    store_dir: str = DEFAULT_STORE_DIR,
) -> StorePath:
    """The path of a fixed-output derivation's output, or of a flat/recursive ``addToStore``.

    A recursive sha256 hash is a source path; any other is addressed by a second hash over
    ``fixed:out:[r:]<algo>:<hex>:``.
    """
    refs = list(references)
    if recursive and content_hash.algo == "sha256":
        return make_source_path(name, content_hash, refs, self_reference, store_dir)
    if refs or self_reference:
        raise StorePathError(
            "fixed-output paths other than recursive sha256 cannot have references"
        )
    method = "r:" if recursive else ""
    inner = f"fixed:out:{method}{content_hash.format(HashFormat.BASE16, prefixed=True)}:"
    outer = NixHash.of_bytes("sha256", inner.encode())
    return make_store_path("output:out", outer, name, store_dir)


def output_path_name(drv_name: str, output: str) -> str:
    """The name of a derivation output's path: ``name`` for ``out``, else ``name-output``."""
    return drv_name if output == "out" else f"{drv_name}-{output}"


def make_output_path(
    drv_name: str, output: str, drv_hash: NixHash, store_dir: str = DEFAULT_STORE_DIR
) -> StorePath:
    """The path of an input-addressed derivation output, from ``hashDerivationModulo``."""
    return make_store_path(
        f"output:{output}", drv_hash, output_path_name(drv_name, output), store_dir
    )
