"""Adding a file system tree to the store, as ``nix-store --add`` does.

The tree is read once. A walk in NAR order (names in byte order, depth first) reads each file
and hashes the NAR as it goes, as ``nix-store --add`` does, and stores the same bytes in
castore: a small file as it is read (into a local store; for a remote one, small files go in
batches to a thread pool, to hide the latency), a large one in pieces handed through a short
queue to a task on the pool (so memory does not grow with file size, and the blob's hashing,
chunking and writing overlap the reading), and the directories as one closure once every file
is in. Large pieces of the NAR are hashed on a thread of their own. Since the NAR hash is of
the very bytes stored, it describes exactly the stored contents even if the tree changes
meanwhile, and no blob is read back to compute it.

The hash gives the store path: a source path with no references, content-addressed by the
NAR's SHA-256, the path ``nix-store --add`` prints. Its PathInfo is written last: until then
the path is not valid, and the blobs and directories already stored are unreferenced.
"""

from __future__ import annotations

import hashlib
import os
import queue
import stat
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

from nix_compat.content_address import ContentAddress, ContentAddressMethod
from nix_compat.errors import NarError, NixCompatError
from nix_compat.hash import NixHash
from nix_compat.nar import NarWriter
from nix_compat.store_path import DEFAULT_STORE_DIR, check_name, make_source_path
from tvix_castore.blobs.service import BlobService
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import CastoreError, IngestionError
from tvix_castore.ingest.fs import leaf_node
from tvix_castore.ingest.tree import Entry, Pending, Tree, finish
from tvix_castore.nodes import DirectoryNode, FileNode, Node, SymlinkNode

from tvix_store.errors import StoreError
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.service import PathInfoService

__all__ = ["Keep", "import_path", "ingest_hashing", "tree_path_info"]

#: Files up to this size are read whole and stored at once; larger ones go in pieces.
_PIECE: Final = 1 << 20
#: Threads storing large files (and batches of small files, for a remote store).
_WORKERS: Final = 2
#: Small files are stored in batches of this many files or bytes, at most.
_BATCH_FILES: Final = 64
_BATCH_BYTES: Final = 1 << 20
#: Batches read but not yet stored, at most.
_AHEAD: Final = 16
#: NAR pieces hashed on a thread of their own: this size or more, and at most so many waiting.
_HASH_APART: Final = 256 * 1024
_HASH_AHEAD: Final = 16
#: Pieces of a large file read but not yet stored, at most.
_QUEUED: Final = 8
_OPEN_FILE: Final = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
_END: Final = b""  # after a large file's last piece (no piece is empty)


class _Stop(Exception):
    """Tells a large file's task that its file will not be finished."""


_STOP: Final = _Stop()


#: Whether to keep an entry of a tree being added: its path (absolute) and kind
#: (``regular``, ``directory``, ``symlink``, ``unknown``), as ``builtins.path``'s filter sees
#: them. A directory left out is left out whole; the root is always kept.
Keep = Callable[[str, str], bool]


def import_path(
    path: str | os.PathLike[str],
    blobs: BlobService,
    directories: DirectoryService,
    path_infos: PathInfoService,
    *,
    name: str | None = None,
    keep: Keep | None = None,
) -> PathInfo:
    """Add the tree at ``path`` under ``name`` (by default its base name); a name that is
    not valid is refused before anything is read."""
    name = Path(os.path.abspath(path)).name if name is None else name
    try:
        check_name(name)
    except NixCompatError as exc:
        raise StoreError(f"cannot add {os.fspath(path)}: {exc}") from None
    return path_infos.put(tree_path_info(path, blobs, directories, name=name, keep=keep))


def tree_path_info(
    path: str | os.PathLike[str],
    blobs: BlobService,
    directories: DirectoryService,
    *,
    name: str,
    keep: Keep | None = None,
    store_dir: str = DEFAULT_STORE_DIR,
) -> PathInfo:
    """Store the tree at ``path`` in castore (only what ``keep`` keeps); the PathInfo of the
    source path it makes under ``name``, not registered (the caller decides when it becomes
    valid). StorePathError, naming the path, for a name that is not valid."""
    node, nar_size, nar_sha256 = ingest_hashing(path, blobs, directories, keep=keep)
    nar_hash = NixHash("sha256", nar_sha256)
    return PathInfo(
        store_path=make_source_path(name, nar_hash, store_dir=store_dir),
        node=node,
        nar_size=nar_size,
        nar_sha256=nar_sha256,
        ca=ContentAddress(ContentAddressMethod.NAR, nar_hash),
    )


def ingest_hashing(
    path: str | os.PathLike[str],
    blobs: BlobService,
    directories: DirectoryService,
    *,
    keep: Keep | None = None,
) -> tuple[Node, int, bytes]:
    """Store the tree at ``path`` in castore (only what ``keep`` keeps); its root node, NAR
    size and NAR SHA-256.

    ``path`` is made absolute and normalised first, as ``nix-store --add`` does (so ``dir/``
    names ``dir`` itself, even a symlink). IngestionError names what cannot be stored."""
    root = os.path.abspath(os.fsencode(path))
    with ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="import") as pool:
        run = _Import(blobs, pool, keep)
        try:
            top = run.walk(root)
            run.flush()
            run.nar.close()
            if isinstance(top, dict):
                putter = directories.put_closure()
                try:
                    node: Node = finish(top, putter)
                    putter.close()
                except BaseException:
                    putter.abort()
                    raise
            elif isinstance(top, FileNode | DirectoryNode | SymlinkNode):
                node = top
            else:
                node = top.result()
        except NarError as exc:
            run.cancel()
            raise StoreError(f"cannot add {os.fsdecode(root)}: {exc}") from None
        except BaseException:
            run.cancel()
            raise
    return node, run.nar.size, run.hasher.digest()


class _Hasher:
    """The NAR's SHA-256. Large pieces (a large file's) are hashed on a thread of their own,
    in order, while the walk reads on; small ones here, unless large ones are still waiting
    (order matters), so that small files cost no hand-over between threads."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="nar-hash")
        self._room = threading.Semaphore(_HASH_AHEAD)
        self._waiting = 0  # pieces given to the thread and not yet hashed
        self._lock = threading.Lock()

    def __call__(self, data: bytes) -> None:
        if len(data) < _HASH_APART and not self._waiting:
            self._hash.update(data)
            return
        self._room.acquire()
        with self._lock:
            self._waiting += 1
        self._pool.submit(self._update, data)

    def _update(self, data: bytes) -> None:
        try:
            self._hash.update(data)
        finally:
            with self._lock:
                self._waiting -= 1
            self._room.release()

    def cancel(self) -> None:
        """Drop the pieces not yet hashed."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def digest(self) -> bytes:
        """The hash of every piece given."""
        self._pool.shutdown(wait=True)
        return self._hash.digest()


class _Batch:
    """Small files stored by one task (one task a file would cost more than storing it)."""

    __slots__ = ("files", "size", "task")

    def __init__(self) -> None:
        self.files: list[tuple[bytes, bool, bytes]] = []  # contents, executable, path
        self.size = 0
        self.task: Future[list[FileNode]] | None = None


class _Slot:
    """One file of a batch: its node, once the batch is stored."""

    __slots__ = ("batch", "index")

    def __init__(self, batch: _Batch, index: int):
        self.batch = batch
        self.index = index

    def result(self) -> FileNode:
        assert self.batch.task is not None, "a batch left unsubmitted"
        return self.batch.task.result()[self.index]


class _Import:
    """One walk: the NAR hash, and the files' tasks on the pool."""

    def __init__(self, blobs: BlobService, pool: ThreadPoolExecutor, keep: Keep | None = None):
        self.blobs = blobs
        self.pool = pool
        self.keep = keep
        self.hasher = _Hasher()
        self.nar = NarWriter(self.hasher)
        self.room = threading.Semaphore(_AHEAD)
        self.batch = _Batch()
        # Small files go to a local store (or memory) from this thread: storing one costs a
        # few system calls, less than handing it to another thread, which would also fight
        # this one for the GIL at every call. A remote store has latency to hide: batches of
        # small files go to the pool.
        self.inline = getattr(blobs, "local_root", None) is not None
        self.failed: BaseException | None = None
        self.tasks: list[Future[Any]] = []

    def walk(self, root: bytes) -> Entry:
        """Read the tree, hashing its NAR; the root's entry (a tree for a directory)."""
        try:
            mode = os.lstat(root).st_mode
        except OSError as exc:
            raise _error(root, exc) from None
        if stat.S_ISREG(mode):
            return self.file(root)
        if not stat.S_ISDIR(mode):
            return self.leaf(root, mode)
        tree: Tree = {}
        self.nar.directory_start()
        stack = [(self.listing(root), tree)]
        while stack:
            entries, into = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                self.nar.directory_end()
                continue
            name = entry.name
            if self.keep is not None and not self.keep(os.fsdecode(entry.path), _kind(entry)):
                continue
            self.nar.entry(name)
            try:
                # The kinds come from the directory listing itself (no stat per entry).
                if entry.is_dir(follow_symlinks=False):
                    sub: Tree = {}
                    into[name] = sub
                    self.nar.directory_start()
                    stack.append((self.listing(entry.path), sub))
                elif entry.is_file(follow_symlinks=False):
                    into[name] = self.file(entry.path)
                else:
                    into[name] = self.leaf(entry.path, entry.stat(follow_symlinks=False).st_mode)
            except OSError as exc:
                raise _error(entry.path, exc) from None
        return tree

    def listing(self, folder: bytes) -> Iterator[os.DirEntry[bytes]]:
        try:
            with os.scandir(folder) as entries:
                return iter(sorted(entries, key=_name))
        except OSError as exc:
            raise _error(folder, exc) from None

    def leaf(self, path: bytes, mode: int) -> Node:
        node = leaf_node(os.fsdecode(path), mode)
        self.nar.symlink(node.target)
        return node

    def file(self, path: bytes) -> FileNode | Pending:
        if self.failed is not None:
            raise self.failed  # a file could not be stored: stop reading
        try:
            fd = os.open(path, _OPEN_FILE)
        except OSError as exc:
            raise _error(path, exc) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise IngestionError(os.fsdecode(path), "changed into something that is not a file")
            executable = bool(info.st_mode & stat.S_IXUSR)
            size = info.st_size
            if size <= _PIECE:
                data = _read(fd, size, path)
                self.nar.regular(data, executable=executable)
                if self.inline:
                    return self.store(data, executable, path)
                batch = self.batch
                slot = _Slot(batch, len(batch.files))
                batch.files.append((data, executable, path))
                batch.size += size
                if len(batch.files) >= _BATCH_FILES or batch.size >= _BATCH_BYTES:
                    self.flush()
                return slot
            return self.large_file(fd, size, executable, path)
        except OSError as exc:
            raise _error(path, exc) from None
        finally:
            os.close(fd)

    def flush(self) -> None:
        """Hand the small files read so far to a task."""
        batch = self.batch
        if not batch.files:
            return
        self.room.acquire()
        try:
            batch.task = self.pool.submit(self.store_batch, batch.files)
        except BaseException:
            self.room.release()
            raise
        self.watch(batch.task)
        self.batch = _Batch()

    def large_file(self, fd: int, size: int, executable: bool, path: bytes) -> Future[FileNode]:
        """Read a large file in pieces, hashing each and queueing it for its task."""
        self.nar.regular_start(size, executable=executable)
        pieces: queue.Queue[bytes | _Stop] = queue.Queue(_QUEUED)
        task = self.pool.submit(self.store_large, pieces, size, executable, path)
        self.watch(task)
        try:
            left = size
            while left:
                piece = _read(fd, min(_PIECE, left), path)
                self.nar.contents(piece)
                _hand(pieces, piece, task)
                left -= len(piece)
        except BaseException:
            _hand(pieces, _STOP, task, check=False)
            raise
        _hand(pieces, _END, task)
        self.nar.regular_end()
        return task

    def store(self, data: bytes, executable: bool, path: bytes) -> FileNode:
        try:
            with self.blobs.open_write() as writer:
                writer.write(data)
            return FileNode(writer.close(), len(data), executable)
        except IngestionError:
            raise
        except CastoreError as exc:
            raise IngestionError(os.fsdecode(path), str(exc)) from None

    def store_batch(self, files: list[tuple[bytes, bool, bytes]]) -> list[FileNode]:
        try:
            return [self.store(*file) for file in files]
        finally:
            self.room.release()

    def store_large(
        self, pieces: queue.Queue[bytes | _Stop], size: int, executable: bool, path: bytes
    ) -> FileNode:
        try:
            with self.blobs.open_write() as writer:
                while (piece := pieces.get()) is not _END:
                    if isinstance(piece, _Stop):
                        raise piece
                    writer.write(piece)
            return FileNode(writer.close(), size, executable)
        except IngestionError:
            raise
        except CastoreError as exc:
            raise IngestionError(os.fsdecode(path), str(exc)) from None

    def watch(self, task: Future[Any]) -> None:
        task.add_done_callback(self.done)
        self.tasks.append(task)

    def done(self, task: Future[Any]) -> None:
        if self.failed is None and not task.cancelled() and task.exception() is not None:
            self.failed = task.exception()

    def cancel(self) -> None:
        """Drop the tasks not yet started (the pool waits for the others)."""
        for task in self.tasks:
            task.cancel()
        self.hasher.cancel()


def _name(entry: os.DirEntry[bytes]) -> bytes:
    return entry.name


def _read(fd: int, size: int, path: bytes) -> bytes:
    """Exactly ``size`` bytes (IngestionError if the file ends sooner)."""
    data = os.read(fd, size)
    if len(data) == size:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = os.read(fd, size - got)
        if not more:
            raise IngestionError(os.fsdecode(path), "shrank while it was being added")
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def _hand(
    pieces: queue.Queue[bytes | _Stop],
    item: bytes | _Stop,
    task: Future[FileNode],
    check: bool = True,
) -> None:
    """Queue ``item`` for a large file's task, unless the task has ended (with an error,
    which is raised here when ``check``)."""
    while True:
        try:
            pieces.put(item, timeout=0.1)
            return
        except queue.Full:
            if task.done():
                if check:
                    task.result()
                return


def _error(path: bytes, exc: OSError) -> IngestionError:
    return IngestionError(os.fsdecode(path), exc.strerror or str(exc))


def _kind(entry: os.DirEntry[bytes]) -> str:
    """An entry's type as Nix names it (what ``builtins.readDir`` says)."""
    if entry.is_symlink():
        return "symlink"
    if entry.is_dir(follow_symlinks=False):
        return "directory"
    return "regular" if entry.is_file(follow_symlinks=False) else "unknown"
