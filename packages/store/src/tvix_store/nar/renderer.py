"""A castore node's NAR, rendered as a stream, from any offset, without holding files whole.

The NAR is made by :class:`~nix_compat.nar.writer.NarWriter` as the tree is walked (with an
explicit stack, so depth is no limit), and each file's contents are read from its blob in
pieces. To start at an offset (an HTTP Range request), the structure before it is still
walked, but the contents of files that end before the offset are not read: the writer is fed
zeros of the same length, which the window then drops; a file the offset falls into is read
from the right place by seeking its blob.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Final

from nix_compat.errors import NarError
from nix_compat.hash import NixHash, hasher
from nix_compat.nar import NarWriter
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import CastoreError
from tvix_castore.nodes import FileNode, Node, SymlinkNode

from tvix_store.errors import NarRenderError

__all__ = [
    "NarCalculator",
    "RenderedNar",
    "calculate_file_nar",
    "calculate_nar",
    "nar_hash",
    "render_nar",
]

_PIECE: Final = 1 << 20
_ZEROS: Final = bytes(_PIECE)
#: Contents longer than this are not stood in for by zeros until their blob is found to have
#: that size (see :func:`_check_blob_size`).
_UNCHECKED_SKIP: Final = 64 * _PIECE


class _Window:
    """The writer's sink: keeps what lies at or after ``start``, until taken."""

    def __init__(self, start: int):
        self.start = start
        self.position = 0
        self.pending: list[bytes] = []

    def __call__(self, data: bytes) -> None:
        end = self.position + len(data)
        if end > self.start:
            skip = self.start - self.position
            self.pending.append(data[skip:] if skip > 0 else data)
        self.position = end

    def take(self) -> list[bytes]:
        out, self.pending = self.pending, []
        return out


def render_nar(
    node: Node,
    blobs: BlobService,
    directories: DirectoryService,
    *,
    start: int = 0,
    with_contents: bool = True,
) -> Iterator[bytes]:
    """The NAR of ``node`` from byte ``start`` on, in pieces; NarRenderError when castore
    lacks a blob or directory, or holds one that does not match the node.

    Without contents, files hold zeros and no blob is read: the NAR's layout (offsets and
    sizes, for a ``.ls`` listing) at the cost of the directories alone.

    A castore error is kept as the ``__cause__``, so a server can tell what the request
    named but castore lacks (a ``KeyError``: the caller's problem) from a backend that failed
    (its own)."""
    try:
        yield from _render(node, blobs, directories, start, with_contents)
    except CastoreError as exc:
        raise NarRenderError(f"cannot render the NAR: {exc}") from exc
    except NarError as exc:
        raise NarRenderError(f"cannot render the NAR: {exc}") from None


def _render(
    root: Node,
    blobs: BlobService,
    directories: DirectoryService,
    start: int,
    with_contents: bool,
) -> Iterator[bytes]:
    window = _Window(start)
    writer = NarWriter(window)
    stack: list[Iterator[tuple[bytes, Node]]] = []

    def node(item: Node) -> Iterator[bytes]:
        if isinstance(item, SymlinkNode):
            writer.symlink(item.target)
        elif isinstance(item, FileNode):
            yield from _file(writer, window, blobs, item, with_contents)
        else:
            directory = directories.get(item.digest)
            if directory is None:
                raise NarRenderError(f"directory {item.digest} is not in the directory service")
            if directory.size != item.size:
                raise NarRenderError(
                    f"directory {item.digest} has size {directory.size}, not {item.size}"
                )
            writer.directory_start()
            stack.append(iter(directory.items()))
        yield from window.take()

    yield from node(root)
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            writer.directory_end()
            continue
        writer.entry(entry[0])
        yield from node(entry[1])
    writer.close()
    yield from window.take()


def _file(
    writer: NarWriter, window: _Window, blobs: BlobService, item: FileNode, with_contents: bool
) -> Iterator[bytes]:
    if item.size <= _PIECE and with_contents and window.start <= writer.size:
        # Most files are small: read whole, in one call, which also tells a blob longer
        # than the node claims.
        with blobs.open_read(item.digest) as reader:
            data = reader.read(item.size + 1)
        if len(data) != item.size:
            raise NarRenderError(_wrong_size(item, len(data)))
        writer.regular(data, executable=item.executable)
        return
    writer.regular_start(item.size, executable=item.executable)
    skip = min(max(window.start - writer.size, 0), item.size) if with_contents else item.size
    if skip > _UNCHECKED_SKIP:
        _check_blob_size(blobs, item)
    for offset in range(0, skip, _PIECE):
        writer.contents(_ZEROS[: min(_PIECE, skip - offset)])
    if skip < item.size:
        with blobs.open_read(item.digest) as reader:
            if skip:
                reader.seek(skip)
            remaining = item.size - skip
            while remaining:
                piece = reader.read(min(_PIECE, remaining))
                if not piece:
                    raise NarRenderError(_wrong_size(item, item.size - remaining))
                remaining -= len(piece)
                writer.contents(piece)
                yield from window.take()
            if reader.read(1):
                raise NarRenderError(_wrong_size(item, item.size + 1))
    writer.regular_end()


def _wrong_size(item: FileNode, size: int) -> str:
    """``size``: what was read, one byte more than the node claims for a longer blob."""
    if size > item.size:
        return f"blob {item.digest} is longer than {item.size} bytes"
    return f"blob {item.digest} has {size} bytes, not {item.size}"


def _check_blob_size(blobs: BlobService, item: FileNode) -> None:
    """Refuse a file whose blob does not have the size its node claims, before standing in
    zeros for its contents.

    Zeros cost time in proportion to the size a node claims, and a node's size is only a
    claim until its blob is read: a node anyone can write into a NAR URL, or a PathInfo
    put over gRPC, may claim exabytes of a blob of none, and would keep the renderer
    feeding zeros for days. Checking large files against their blob bounds the work by what
    castore really holds, for one stat of each large file (or, where the service does not
    report sizes, one pass over the blob)."""
    stat = blobs.stat(item.digest)
    if stat is None:
        raise NarRenderError(f"blob {item.digest} is not in the blob service")
    size = stat.size
    if size is None:
        with blobs.open_read(item.digest) as reader:
            size = reader.seek(0, io.SEEK_END)
    if size != item.size:
        raise NarRenderError(f"blob {item.digest} has {size} bytes, not {item.size}")


def calculate_nar(
    node: Node, blobs: BlobService, directories: DirectoryService
) -> tuple[int, bytes]:
    """The NAR size and SHA-256 of ``node``'s contents (what CalculateNAR answers)."""
    hasher = hashlib.sha256()
    size = 0
    for piece in render_nar(node, blobs, directories):
        hasher.update(piece)
        size += len(piece)
    return size, hasher.digest()


def nar_hash(
    node: Node,
    algo: str,
    blobs: BlobService,
    directories: DirectoryService,
    *,
    sha256: bytes | None = None,
) -> NixHash:
    """The ``algo`` hash of ``node``'s NAR (fixed-output derivations name any algorithm); a
    SHA-256 already known is ``sha256``, and not computed again."""
    if algo == "sha256":
        return NixHash("sha256", sha256 or calculate_nar(node, blobs, directories)[1])
    digest = hasher(algo)
    for piece in render_nar(node, blobs, directories):
        digest.update(piece)
    return NixHash(algo, digest.digest())


def calculate_file_nar(data: bytes, executable: bool = False) -> tuple[int, bytes]:
    """The NAR size and SHA-256 of one regular file with contents ``data``, without castore
    (a file about to be added: ``toFile``, a ``.drv``, a flat ``builtins.path``)."""
    hasher = hashlib.sha256()
    size = 0

    def sink(piece: bytes) -> None:
        nonlocal size
        hasher.update(piece)
        size += len(piece)

    writer = NarWriter(sink)
    writer.regular(data, executable=executable)
    writer.close()
    return size, hasher.digest()


class RenderedNar(io.RawIOBase):
    """A node's NAR as a seekable, read-only file of ``size`` bytes (the PathInfo's
    ``nar_size``): seeking restarts the rendering at the new offset."""

    def __init__(self, node: Node, blobs: BlobService, directories: DirectoryService, size: int):
        self._node = node
        self._blobs = blobs
        self._directories = directories
        self._size = size
        self._position = 0
        self._pieces: Iterator[bytes] | None = None
        self._piece = memoryview(b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[
            whence
        ] + offset
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target != self._position:
            self._position = target
            self._pieces = None
            self._piece = memoryview(b"")
        return self._position

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._position >= self._size:
            return 0
        if not self._piece:
            if self._pieces is None:
                self._pieces = render_nar(
                    self._node, self._blobs, self._directories, start=self._position
                )
            piece = next(self._pieces, None)
            if piece is None:
                raise NarRenderError(f"the NAR ends at {self._position}, not at {self._size}")
            self._piece = memoryview(piece)
        n = min(len(buffer), len(self._piece), self._size - self._position)
        buffer[:n] = self._piece[:n]
        self._piece = self._piece[n:]
        self._position += n
        return n


class NarCalculator:
    """NAR sizes and hashes of nodes from local castore services, remembered: a node's NAR
    never changes (its digests fix its contents), and rendering one reads every blob."""

    def __init__(self, blobs: BlobService, directories: DirectoryService, cache_size: int = 4096):
        self._blobs = blobs
        self._directories = directories
        self._cache: OrderedDict[Node, tuple[int, bytes]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def calculate_nar(self, node: Node) -> tuple[int, bytes]:
        with self._lock:
            if node in self._cache:
                self._cache.move_to_end(node)
                return self._cache[node]
        answer = calculate_nar(node, self._blobs, self._directories)
        with self._lock:
            self._cache[node] = answer
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return answer
