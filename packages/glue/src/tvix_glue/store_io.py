"""Evaluation I/O backed by a tvix store: what the language reads and adds under the store
directory goes through castore and the PathInfo service; other paths are this machine's.

Paths are added as C++ Nix adds them: a path put into a string is copied as it is (a symlink
as a symlink) under its base name, once per evaluation; ``builtins.path`` and
``filterSource`` follow a root symlink, filter and name what they add. Without
``read_write`` (``tvix eval`` without ``--read-write-mode``) nothing is written: the store
paths are computed, as C++ Nix computes them in its read-only mode.

A store path the PathInfo service does not know is read from the local file system, as a
store directory that exists on this machine (C++ Nix's ``/nix/store``) would be.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from tvix_eval.errors import NixError
from tvix_eval.io import LocalIO, PathFilter

if TYPE_CHECKING:
    from nix_compat.derivation.model import Derivation
    from nix_compat.store_path import StorePath
    from tvix_build.buildservice.service import BuildService
    from tvix_castore.blobs.service import BlobService
    from tvix_castore.directories.service import DirectoryService
    from tvix_castore.nodes import Node
    from tvix_eval.evaluator import Evaluator
    from tvix_store.pathinfo import PathInfo
    from tvix_store.services import Store

    from tvix_glue.fetchers.cache import FetchCache
    from tvix_glue.known_paths import KnownPaths

# The store side (castore, tvix-store, nix-compat's derivations) is imported where it is first
# used: a store-backed evaluator is made by every ``tvix eval``, most of which never use it.

__all__ = ["TvixStoreIO"]

T = TypeVar("T")
#: How many symlinks resolving one path may follow, as the kernel allows.
_MAX_SYMLINKS = 40


class TvixStoreIO(LocalIO):
    """Files, environment and a tvix store, for one evaluation (and the derivations it made:
    :attr:`known`)."""

    def __init__(
        self,
        store: Store | Callable[[], Store],
        *,
        store_dir: str,
        read_write: bool = False,
        pure_eval: bool = False,
        trusted_public_keys: tuple[str, ...] = (),
        tarball_ttl: int = 3600,
        build_service_url: str | None = None,
    ) -> None:
        super().__init__(store_dir)
        self._store = store
        self.read_write = read_write
        #: Whether the evaluation is pure (the evaluator then reads files through a
        #: :class:`~tvix_eval.io.PureIO` around this; the store builtins ask here).
        self.pure_eval = pure_eval
        #: Whose signatures make a binary cache's path trusted (``fetchClosure``), as
        #: ``name:base64`` (read when needed).
        self.trusted_public_keys = trusted_public_keys
        #: Seconds a fetch without a hash is not repeated.
        self.tarball_ttl = tarball_ttl
        self._fetch_cache: FetchCache | None = None
        #: What builds derivations whose outputs evaluation reads (None: nothing builds).
        self.build_service_url = build_service_url
        self._build_service: BuildService | None = None
        #: The evaluator this serves (set by its maker): builtins that evaluate Nix of
        #: their own (``getFlake``) evaluate it there.
        self.evaluator: Evaluator | None = None
        self._known: KnownPaths | None = None
        self._copied: dict[str, str] = {}

    @property
    def known(self) -> KnownPaths:
        """The derivations this evaluation made, and how to find others."""
        if self._known is None:
            from tvix_glue.known_paths import KnownPaths

            self._known = KnownPaths(self.store_dir, self._read_derivation, self._references)
        return self._known

    @property
    def fetch_cache(self) -> FetchCache:
        """What fetches found before (the user's, opened on first use)."""
        if self._fetch_cache is None:
            from tvix_glue.fetchers.cache import default_cache

            self._fetch_cache = default_cache()
        return self._fetch_cache

    @property
    def build_service(self) -> BuildService | None:
        """The build service, made on first use over the store's castore."""
        if self._build_service is None and self.build_service_url is not None:
            from tvix_build.buildservice.registration import build_service_from_url
            from tvix_castore.errors import CastoreError

            store = self.store
            try:
                self._build_service = build_service_from_url(
                    self.build_service_url, store.blobs, store.directories
                )
            except CastoreError as exc:
                raise NixError(f"cannot use the build service: {exc}") from None
        return self._build_service

    def has_path(self, path: str) -> bool:
        """Whether the store has the store path ``path`` (absolute)."""
        return self._stored(path)[0]

    @property
    def store(self) -> Store:
        """The store, opened on first use (given as a function that opens it): evaluations
        that never touch it (most of ``tvix eval``'s) do not pay for opening it."""
        if callable(self._store):
            from tvix_castore.errors import CastoreError
            from tvix_store.errors import StoreError

            try:
                self._store = self._store()
            except (StoreError, CastoreError) as exc:
                error = NixError(f"cannot open the store: {exc}")
                error.positioned = False
                raise error from None
        return self._store

    # -- reading ---------------------------------------------------------------------------

    def _stored(self, path: str) -> tuple[bool, Node | None]:
        """Whether ``path`` lies in a store path the store knows, and its node there (None
        where nothing is at that path inside it)."""
        prefix = self.store_dir.rstrip("/") + "/"
        if not path.startswith(prefix):
            return False, None
        from nix_compat.errors import NixCompatError
        from nix_compat.store_path import StorePath
        from tvix_castore.nodes import DirectoryNode

        try:
            store_path, rest = StorePath.from_absolute_path_prefix(path, self.store_dir)
        except NixCompatError:
            return False, None
        info = self.path_info(store_path)
        if info is None:
            return False, None
        node: Node | None = info.node
        for part in filter(None, rest.split("/")):
            if not isinstance(node, DirectoryNode):
                return True, None
            directory = self.store.directories.get(node.digest)
            node = (
                None if directory is None else directory.get(part.encode(errors="surrogateescape"))
            )
            if node is None:
                return True, None
        return True, node

    def read_file(self, path: str) -> bytes:
        known, node = self._stored(path)
        if not known:
            return super().read_file(path)
        from tvix_castore.nodes import FileNode

        if node is None:
            raise NixError(f"path '{path}' does not exist")
        if not isinstance(node, FileNode):
            raise NixError(f"reading file '{path}': Is a directory")
        with self.store.blobs.open_read(node.digest) as reader:
            return reader.read()

    def path_exists(self, path: str) -> bool:
        known, node = self._stored(path)
        return node is not None if known else super().path_exists(path)

    def read_dir(self, path: str) -> dict[str, str]:
        known, node = self._stored(path)
        if not known:
            return super().read_dir(path)
        from tvix_castore.nodes import DirectoryNode

        if not isinstance(node, DirectoryNode):
            raise NixError(f"reading directory '{path}': Not a directory")
        directory = self.store.directories.get(node.digest)
        if directory is None:
            raise NixError(f"reading directory '{path}': not in the store")
        return {
            name.decode(errors="surrogateescape"): _kind(child) for name, child in directory.items()
        }

    def file_type(self, path: str) -> str:
        known, node = self._stored(path)
        if not known:
            return super().file_type(path)
        from tvix_castore.nodes import SymlinkNode

        if node is None:
            return "missing"
        if isinstance(node, SymlinkNode):
            target = posixpath.join(posixpath.dirname(path), os.fsdecode(node.target))
            kind = self.file_type(posixpath.normpath(target))
            return "symlink" if kind == "missing" else kind
        return _kind(node)

    def read_link(self, path: str) -> str | None:
        known, node = self._stored(path)
        if not known:
            return super().read_link(path)
        from tvix_castore.nodes import SymlinkNode

        if node is None:
            raise NixError(f"path '{path}' does not exist")
        return os.fsdecode(node.target) if isinstance(node, SymlinkNode) else None

    def real_path(self, path: str) -> str:
        """``path`` with its symlinks resolved, those inside the store's paths included
        (which need not exist on this machine's file system)."""
        if not path.startswith(self.store_dir.rstrip("/") + "/"):
            return super().real_path(path)
        parts = [part for part in path.split("/") if part]
        resolved = "/"
        for _ in range(_MAX_SYMLINKS):
            while parts:
                part = parts.pop(0)
                if part in (".", ".."):
                    resolved = posixpath.dirname(resolved) if part == ".." else resolved
                    continue
                candidate = posixpath.join(resolved, part)
                try:
                    target = self.read_link(candidate)
                except NixError:
                    target = None
                if target is None:
                    resolved = candidate
                    continue
                parts = [p for p in target.split("/") if p] + parts
                resolved = "/" if target.startswith("/") else resolved
                break
            else:
                return resolved
        return resolved

    def realise(self, drv_path: str, output: str) -> str | None:
        """The output's path, made valid by carrying out its derivation where that is a
        fetch (``builtin:fetchurl``); other derivations wait for tvix-build. Without
        ``--read-write-mode`` the derivation was never written, as C++ Nix then says."""
        from nix_compat.derivation.model import FixedOutput
        from nix_compat.store_path import StorePath

        from tvix_glue.fetchers.builtin_fetchurl import BUILDER, fetch_derivation

        path = self._checked(lambda: StorePath.from_absolute_path(drv_path, self.store_dir))
        not_valid = NixError(f"path '{drv_path}' is not valid")
        try:
            drv = self.known.derivation(path)
        except NixError:
            raise not_valid from None
        out = drv.outputs.get(output)
        made = getattr(out, "path", None)
        if made is None:
            raise NixError(f"derivation '{drv_path}' has no output '{output}'")
        absolute = made.to_absolute_path(self.store_dir)
        if self._stored(absolute)[0]:
            return absolute
        if not self.read_write:
            raise not_valid
        if drv.builder == BUILDER and isinstance(out, FixedOutput):
            fetch_derivation(self, path, drv)
            return absolute
        service = self.build_service
        if service is None:
            raise NixError(
                f"cannot build '{drv_path}' to read its output '{absolute}': this evaluation "
                "has no build service"
            )
        from tvix_glue.builder import DerivationBuilder

        DerivationBuilder(self, service).build(path)
        return absolute

    def _read_derivation(self, path: StorePath) -> Derivation:
        from nix_compat.derivation.aterm import parse_aterm
        from nix_compat.errors import NixCompatError

        absolute = path.to_absolute_path(self.store_dir)
        try:
            data = self.read_file(absolute)
        except NixError:
            raise NixError(f"path '{absolute}' is not valid") from None
        try:
            return parse_aterm(data, name=path.name.removesuffix(".drv"), store_dir=self.store_dir)
        except NixCompatError as exc:
            raise NixError(f"error parsing derivation '{absolute}': {exc}") from None

    def path_info(self, path: StorePath) -> PathInfo | None:
        """What the store knows of ``path`` (None: it is not valid there)."""
        from tvix_store.pathinfoservice.service import path_info_of

        return path_info_of(self.store.path_infos, path)

    def _references(self, path: StorePath) -> tuple[StorePath, ...]:
        info = self.path_info(path)
        return () if info is None else info.references

    # -- adding ------------------------------------------------------------------------------

    def copy_to_store(self, path: str) -> str:
        stored = self._copied.get(path)
        if stored is None:
            if not os.path.lexists(path):
                missing = NixError(f"path '{path}' does not exist")
                missing.positioned = False
                raise missing
            stored = self._add_tree(path, posixpath.basename(path), None)
            self._copied[path] = stored
        return stored

    def import_path(
        self,
        path: str,
        name: str,
        *,
        keep: PathFilter | None = None,
        recursive: bool = True,
        expected_sha256: bytes | None = None,
    ) -> str:
        target = os.path.realpath(path)
        if not recursive:
            return self._add_flat(target, name, expected_sha256)
        return self._add_tree(target, name, keep, expected_sha256)

    def _add_tree(
        self,
        path: str,
        name: str,
        keep: Callable[[str, str], bool] | None,
        expected_sha256: bytes | None = None,
    ) -> str:
        from tvix_castore.errors import CastoreError
        from tvix_store.errors import StoreError
        from tvix_store.importing import tree_path_info

        blobs, directories = self._castore()
        try:
            info = self._checked(
                lambda: tree_path_info(
                    path, blobs, directories, name=name, keep=keep, store_dir=self.store_dir
                )
            )
        except (StoreError, CastoreError) as exc:
            raise NixError(str(exc)) from None
        if expected_sha256 is not None and expected_sha256 != info.nar_sha256:
            raise NixError(f"store path mismatch in (possibly filtered) path added from '{path}'")
        self._register(info)
        return info.store_path.to_absolute_path(self.store_dir)

    def _add_flat(self, path: str, name: str, expected_sha256: bytes | None) -> str:
        from nix_compat.content_address import ContentAddress, ContentAddressMethod
        from nix_compat.hash import NixHash
        from nix_compat.store_path import make_fixed_output_path
        from tvix_store.file_paths import file_path_info

        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode):
                raise NixError(f"reading from file '{path}': Is a directory")
            if not stat.S_ISREG(mode):
                raise NixError(f"file '{path}' has an unsupported type")
            with open(path, "rb") as source:
                data = source.read()
        except OSError as exc:
            raise NixError(f"reading file '{path}': {exc.strerror}") from None
        content = NixHash.of_bytes("sha256", data)
        if expected_sha256 is not None and expected_sha256 != content.digest:
            raise NixError(f"store path mismatch in (possibly filtered) path added from '{path}'")
        store_path = self._checked(
            lambda: make_fixed_output_path(name, content, False, store_dir=self.store_dir)
        )
        blobs, _ = self._castore()
        ca = ContentAddress(ContentAddressMethod.FLAT, content)
        executable = bool(mode & stat.S_IXUSR)
        self._register(file_path_info(store_path, data, ca, blobs, executable=executable))
        return store_path.to_absolute_path(self.store_dir)

    def add_text(self, name: str, text: bytes, references: list[StorePath]) -> str:
        """A text file in the store (``toFile``, ``.drv`` files): written when
        ``read_write``, else only its path computed."""
        from tvix_store.file_paths import add_text as store_text
        from tvix_store.file_paths import text_store_path

        if self.read_write:
            store_path = self._checked(
                lambda: (
                    store_text(
                        name,
                        text,
                        references,
                        self.store.blobs,
                        self.store.path_infos,
                        self.store_dir,
                    ).store_path
                )
            )
        else:
            store_path = self._checked(
                lambda: text_store_path(name, text, references, self.store_dir)
            )
        return store_path.to_absolute_path(self.store_dir)

    def _castore(self) -> tuple[BlobService, DirectoryService]:
        """Where added trees go: the store's castore, or (computing paths only) memory
        that is dropped once the path is known."""
        if self.read_write:
            return self.store.blobs, self.store.directories
        from tvix_castore.blobs.memory import MemoryBlobService
        from tvix_castore.directories.memory import MemoryDirectoryService

        return MemoryBlobService(), MemoryDirectoryService()

    def _register(self, info: PathInfo) -> None:
        if self.read_write:
            self.store.path_infos.put(info)

    @staticmethod
    def _checked(make: Callable[[], T]) -> T:
        from nix_compat.errors import NixCompatError

        try:
            return make()
        except NixCompatError as exc:
            raise NixError(str(exc)) from None


def _kind(node: Node) -> str:
    from tvix_castore.nodes import DirectoryNode, SymlinkNode

    if isinstance(node, DirectoryNode):
        return "directory"
    if isinstance(node, SymlinkNode):
        return "symlink"
    return "regular"
