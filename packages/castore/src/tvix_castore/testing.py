"""Conformance tests every blob and directory service must pass, for reuse by backends.

As dulwich ships ``ObjectStoreTests``, these mixins hold the behaviour a backend promises;
a test class mixes one in and supplies ``make_service``. They use plain ``assert`` (pytest
rewrites it) and need nothing beyond this package, so third-party backends can run them too.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar

from tvix_castore.blobs.service import BlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import (
    BlobNotFoundError,
    CastoreError,
    ClosureError,
    DirectoryNotFoundError,
)
from tvix_castore.nodes import Directory, DirectoryNode, FileNode, SymlinkNode

__all__ = ["BlobServiceTests", "DirectoryServiceTests", "sample_closure"]


@contextmanager
def _raises(kind: type[BaseException]) -> Iterator[None]:
    try:
        yield
    except kind:
        return
    raise AssertionError(f"expected {kind.__name__}")


def _write(service: BlobService, data: bytes, piece: int = 65536) -> B3Digest:
    writer = service.open_write()
    for start in range(0, len(data), piece):
        writer.write(data[start : start + piece])
    return writer.close()


class BlobServiceTests:
    """Mix into a test class that defines ``make_service``."""

    #: Bytes large enough for chunking backends to cut several chunks.
    LARGE: ClassVar[int] = 3 * 1024 * 1024

    def make_service(self) -> BlobService:
        raise AssertionError("a BlobServiceTests class must define make_service")

    @contextmanager
    def service(self) -> Iterator[BlobService]:
        svc = self.make_service()
        try:
            yield svc
        finally:
            svc.close()

    def test_small_blob_round_trips(self) -> None:
        with self.service() as svc:
            digest = _write(svc, b"Hello World!")
            assert digest == B3Digest.of(b"Hello World!")
            assert svc.has(digest)
            with svc.open_read(digest) as reader:
                assert reader.read() == b"Hello World!"

    def test_empty_blob_round_trips(self) -> None:
        with self.service() as svc:
            digest = svc.open_write().close()
            assert digest == B3Digest.of(b"")
            assert svc.has(digest)
            assert svc.open_read(digest).read() == b""

    def test_large_blob_round_trips_and_its_chunks_add_up(self) -> None:
        data = os.urandom(self.LARGE)
        with self.service() as svc:
            digest = _write(svc, data, piece=100_003)
            assert digest == B3Digest.of(data)
            stat = svc.stat(digest)
            assert stat is not None
            if stat.size is not None:
                assert stat.size == len(data)
            offset = 0
            for chunk in stat.chunks:
                with svc.open_read(chunk.digest) as reader:
                    piece = reader.read()
                assert piece == data[offset : offset + chunk.size]
                assert B3Digest.of(piece) == chunk.digest
                offset += chunk.size
            assert offset in (0, len(data))
            with svc.open_read(digest) as reader:
                assert reader.read() == data

    def test_reader_seeks(self) -> None:
        data = os.urandom(self.LARGE)
        with self.service() as svc:
            digest = _write(svc, data)
            with svc.open_read(digest) as reader:
                assert reader.seekable()
                reader.seek(len(data) - 10)
                assert reader.read() == data[-10:]
                reader.seek(1_000_001)
                assert reader.read(5) == data[1_000_001:1_000_006]
                reader.seek(-3, io.SEEK_END)
                assert reader.read() == data[-3:]
                reader.seek(7)
                reader.seek(3, io.SEEK_CUR)
                assert reader.read(4) == data[10:14]
                reader.seek(0)
                assert reader.read() == data

    def test_missing_blob(self) -> None:
        missing = B3Digest.of(b"not stored")
        with self.service() as svc:
            assert not svc.has(missing)
            assert svc.stat(missing) is None
            with _raises(BlobNotFoundError):
                svc.open_read(missing)

    def test_aborted_write_leaves_nothing(self) -> None:
        data = os.urandom(1000)
        with self.service() as svc:
            writer = svc.open_write()
            writer.write(data)
            writer.abort()
            assert not svc.has(B3Digest.of(data))
            with _raises(RuntimeError), svc.open_write() as w:
                w.write(data)
                raise RuntimeError("caller failed mid-upload")
            assert not svc.has(B3Digest.of(data))

    def test_closed_writer_refuses_more(self) -> None:
        with self.service() as svc:
            writer = svc.open_write()
            writer.write(b"abc")
            first = writer.close()
            assert writer.close() == first
            with _raises(CastoreError):
                writer.write(b"more")

    def test_same_blob_twice_and_concurrent_writers(self) -> None:
        blobs = [os.urandom(50_000 + i) for i in range(6)]
        results: dict[int, B3Digest] = {}
        with self.service() as svc:

            def upload(i: int) -> None:
                results[i] = _write(svc, blobs[i % 3] if i >= 3 else blobs[i], piece=4096)

            threads = [threading.Thread(target=upload, args=(i,)) for i in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for i in range(6):
                expected = blobs[i % 3] if i >= 3 else blobs[i]
                assert results[i] == B3Digest.of(expected)
                assert svc.open_read(results[i]).read() == expected


def sample_closure() -> list[Directory]:
    """A small closure, leaves first, with a shared subdirectory and all three node kinds."""
    blob = B3Digest.of(b"content")
    leaf = Directory({b".keep": FileNode(B3Digest.of(b""), 0)})
    mid = Directory(
        {
            b"a": leaf.as_node(),
            b"b": leaf.as_node(),
            b"run": FileNode(blob, 7, executable=True),
            b"link": SymlinkNode(b"../a"),
        }
    )
    root = Directory({b"mid": mid.as_node(), b"leaf": leaf.as_node(), b"f": FileNode(blob, 7)})
    return [leaf, mid, root]


class DirectoryServiceTests:
    """Mix into a test class that defines ``make_service``."""

    #: Whether directories below a closure's root can be fetched by their own digest.
    SUBTREE_LOOKUP: ClassVar[bool] = True

    def make_service(self) -> DirectoryService:
        raise AssertionError("a DirectoryServiceTests class must define make_service")

    @contextmanager
    def service(self) -> Iterator[DirectoryService]:
        svc = self.make_service()
        try:
            yield svc
        finally:
            svc.close()

    def _put_closure(self, svc: DirectoryService, closure: list[Directory]) -> B3Digest:
        with svc.put_closure() as putter:
            for directory in closure:
                putter.put(directory)
        return putter.close()

    def test_put_and_get_a_leaf(self) -> None:
        leaf = sample_closure()[0]
        with self.service() as svc:
            assert svc.put(leaf) == leaf.digest
            assert svc.get(leaf.digest) == leaf
            assert [d.digest for d in svc.get_recursive(leaf.digest)] == [leaf.digest]

    def test_missing_directory(self) -> None:
        missing = Directory({b"x": SymlinkNode(b"y")}).digest
        with self.service() as svc:
            assert svc.get(missing) is None
            with _raises(DirectoryNotFoundError):
                list(svc.get_recursive(missing))

    def test_closure_comes_back_root_first_breadth_first_once_each(self) -> None:
        leaf, mid, root = sample_closure()
        with self.service() as svc:
            assert self._put_closure(svc, [leaf, mid, root]) == root.digest
            got = [d.digest for d in svc.get_recursive(root.digest)]
            # root's children in name order are "f" (file), "leaf", "mid"; leaf is shared.
            assert got == [root.digest, leaf.digest, mid.digest]
            assert svc.get(root.digest) == root
            if self.SUBTREE_LOOKUP:
                assert svc.get(mid.digest) == mid
                assert [d.digest for d in svc.get_recursive(mid.digest)] == [
                    mid.digest,
                    leaf.digest,
                ]

    def test_repeated_directories_in_a_closure_are_accepted(self) -> None:
        leaf, mid, root = sample_closure()
        with self.service() as svc:
            assert self._put_closure(svc, [leaf, leaf, mid, root]) == root.digest
            assert len(list(svc.get_recursive(root.digest))) == 3

    def _refused(self, svc: DirectoryService, closure: list[Directory]) -> None:
        putter = svc.put_closure()
        try:
            for directory in closure:
                putter.put(directory)
            putter.close()
        except ClosureError:
            pass
        else:
            raise AssertionError("a bad closure was accepted")
        for directory in closure:
            assert svc.get(directory.digest) is None

    def test_dangling_reference_is_refused_and_nothing_stored(self) -> None:
        _leaf, mid, root = sample_closure()
        with self.service() as svc:
            self._refused(svc, [mid, root])

    def test_wrong_order_is_refused(self) -> None:
        leaf, mid, root = sample_closure()
        with self.service() as svc:
            self._refused(svc, [root, mid, leaf])

    def test_wrong_size_is_refused(self) -> None:
        leaf, _, _ = sample_closure()
        liar = Directory({b"sub": DirectoryNode(leaf.digest, leaf.size + 1)})
        with self.service() as svc:
            self._refused(svc, [leaf, liar])

    def test_unconnected_directory_is_refused(self) -> None:
        leaf, mid, root = sample_closure()
        stray = Directory({b"x": SymlinkNode(b"y")})
        with self.service() as svc:
            self._refused(svc, [leaf, stray, mid, root])

    def test_empty_closure_is_refused(self) -> None:
        with self.service() as svc, _raises(ClosureError):
            svc.put_closure().close()

    def test_aborted_closure_leaves_nothing(self) -> None:
        leaf, mid, _root = sample_closure()
        with self.service() as svc:
            with _raises(RuntimeError), svc.put_closure() as putter:
                putter.put(leaf)
                putter.put(mid)
                raise RuntimeError("caller failed")
            assert svc.get(mid.digest) is None
            assert svc.get(leaf.digest) is None

    def test_concurrent_closures(self) -> None:
        closures = []
        for i in range(8):
            leaf = Directory({f"file{i}".encode(): FileNode(B3Digest.of(bytes([i])), 1)})
            closures.append([leaf, Directory({b"sub": leaf.as_node()})])
        errors: list[BaseException] = []
        with self.service() as svc:

            def run(action: Callable[[], object]) -> None:
                try:
                    action()
                except BaseException as exc:  # collected and re-raised in the main thread
                    errors.append(exc)

            threads = [
                threading.Thread(target=run, args=(lambda c=c: self._put_closure(svc, c),))
                for c in closures
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors, errors
            for closure in closures:
                got = [d.digest for d in svc.get_recursive(closure[-1].digest)]
                assert got == [closure[1].digest, closure[0].digest]
