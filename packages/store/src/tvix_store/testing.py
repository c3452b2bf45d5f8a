"""Conformance tests every PathInfo service must pass, for reuse by backends.

As castore's ``tvix_castore.testing`` does for blobs and directories: a test class mixes in
:class:`PathInfoServiceTests` and supplies ``make_service``; plain ``assert``, nothing needed
beyond this package, so third-party backends can run them too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.hash import NixHash
from nix_compat.signing import SigningKey
from nix_compat.store_path import StorePath
from tvix_castore.digest import B3Digest
from tvix_castore.nodes import DirectoryNode, FileNode, SymlinkNode

from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.service import PathInfoService

__all__ = ["PathInfoServiceTests", "sample_key", "sample_path_info"]


_KEYS: dict[str, SigningKey] = {}


def sample_key(name: str = "test-key-1") -> SigningKey:
    """A signing key made once a process for each name, so samples compare equal."""
    if name not in _KEYS:
        _KEYS[name] = SigningKey.generate(name)
    return _KEYS[name]


def sample_path_info(name: str = "hello-2.12", seed: int = 0, **changes: object) -> PathInfo:
    """A valid PathInfo with every field set, distinct for each ``name`` and ``seed``."""
    digest = hashlib.sha1(f"{name}/{seed}".encode()).digest()
    dependency = StorePath(hashlib.sha1(f"dep/{seed}".encode()).digest(), "glibc-2.40")
    info = PathInfo(
        store_path=StorePath(digest, name),
        node=DirectoryNode(B3Digest(hashlib.blake2s(digest).digest()), 3),
        nar_size=1234 + seed,
        nar_sha256=hashlib.sha256(digest).digest(),
        references=(dependency, StorePath(digest, name)),
        deriver=StorePath(hashlib.sha1(b"drv" + digest).digest(), f"{name}.drv"),
        ca=ContentAddress(ContentAddressMethod.NAR, NixHash("sha256", bytes(32))),
    )
    info = info.with_signature(sample_key())
    return dataclasses.replace(info, **changes)  # type: ignore[arg-type]


class PathInfoServiceTests:
    """Mix into a test class that defines ``make_service``."""

    #: Whether the backend can list what it holds (a binary cache cannot).
    LISTS: ClassVar[bool] = True

    def make_service(self) -> PathInfoService:
        raise AssertionError("a PathInfoServiceTests class must define make_service")

    @contextmanager
    def service(self) -> Iterator[PathInfoService]:
        svc = self.make_service()
        try:
            yield svc
        finally:
            svc.close()

    def test_get_of_a_missing_path_is_none(self) -> None:
        with self.service() as svc:
            assert svc.get(bytes(20)) is None

    def test_put_then_get_returns_every_field(self) -> None:
        info = sample_path_info()
        with self.service() as svc:
            stored = svc.put(info)
            assert stored.store_path == info.store_path
            got = svc.get(info.store_path.digest)
            assert got == stored
            assert got is not None and got.signatures == info.signatures

    def test_every_node_kind_round_trips(self) -> None:
        nodes = [
            FileNode(B3Digest(bytes(32)), 5, executable=True),
            FileNode(B3Digest(bytes(range(32))), 0),
            SymlinkNode(b"/nix/store/x"),
            DirectoryNode(B3Digest(bytes(32)), 0),
        ]
        with self.service() as svc:
            for seed, node in enumerate(nodes):
                info = sample_path_info("kind", seed, node=node, deriver=None, ca=None)
                svc.put(info)
                assert svc.get(info.store_path.digest) == info

    def test_put_again_replaces(self) -> None:
        info = sample_path_info()
        resigned = info.with_signature(sample_key("test-key-2"))
        with self.service() as svc:
            svc.put(info)
            svc.put(resigned)
            got = svc.get(info.store_path.digest)
            assert got is not None and len(got.signatures) == 2

    def test_list_gives_each_path_once(self) -> None:
        if not self.LISTS:
            return
        infos = [sample_path_info(f"p{i}", i) for i in range(25)]
        with self.service() as svc:
            for info in infos:
                svc.put(info)
            listed = sorted(i.store_path.base_name for i in svc.list())
        assert listed == sorted(i.store_path.base_name for i in infos)

    def test_concurrent_puts_and_gets(self) -> None:
        infos = [sample_path_info(f"c{i}", i) for i in range(40)]
        errors: list[BaseException] = []
        with self.service() as svc:

            def work(part: list[PathInfo]) -> None:
                try:
                    for info in part:
                        svc.put(info)
                        assert svc.get(info.store_path.digest) == info
                except BaseException as exc:  # reported below, in the test's thread
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(infos[i::4],)) for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors, errors
            for info in infos:
                assert svc.get(info.store_path.digest) == info
