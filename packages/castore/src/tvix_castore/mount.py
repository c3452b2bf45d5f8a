"""A read-only FUSE file system over root nodes, fetching directories and blobs lazily.

The mount point shows either one directory (``mount(..., root=node)``) or a set of named root
nodes side by side (``roots={name: node}``), as Tvix shows store paths. Directories are
fetched when first looked into and kept; a file's blob is opened on ``open`` and read with
seeks, so reading the end of a large chunked file fetches only its last chunks.

Needs libfuse 3 (Debian: ``fuse3``) and ``/dev/fuse``; ``fuse_available`` says whether they
are there and why not.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tvix_castore.blobs.service import BlobService
from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import DirectoryService
from tvix_castore.errors import BlobNotFoundError, CastoreError
from tvix_castore.nodes import Directory, DirectoryNode, FileNode, Node, SymlinkNode

__all__ = ["CastoreFs", "fuse_available", "mount", "mounted", "unmount"]


def fuse_available() -> str | None:
    """None when a FUSE mount can be made here, else the reason it cannot."""
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    if not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "/dev/fuse is not readable and writable"
    if shutil.which("fusermount3") is None and shutil.which("fusermount") is None:
        return "no fusermount (install fuse3)"
    try:
        import mfusepy  # type: ignore[import-untyped]  # noqa: F401
    except ModuleNotFoundError:
        return "mfusepy is not installed: pip install 'tvix-castore[fuse]'"
    except (ImportError, OSError) as exc:
        return f"libfuse cannot be loaded: {exc}"
    return None


class CastoreFs:
    """The FUSE operations (mfusepy's high-level interface) over castore services."""

    use_ns = True

    def __init__(
        self,
        blobs: BlobService,
        directories: DirectoryService,
        *,
        root: DirectoryNode | None = None,
        roots: Mapping[bytes, Node] | None = None,
    ):
        if (root is None) == (roots is None):
            raise ValueError("give either root or roots")
        self._blobs = blobs
        self._directories = directories
        # ``roots`` is read lazily, entry by entry: tvix-store mounts every store path there is,
        # looked up by name only when asked for (a lookup failing raises OSError(EIO)).
        self._root: Mapping[bytes, Node] | DirectoryNode
        if root is not None:
            self._root = root
        else:
            assert roots is not None
            self._root = roots
        self._cache: dict[B3Digest, Directory] = {}
        self._handles: dict[int, tuple[threading.Lock, io.BufferedIOBase]] = {}
        self._next = 1
        self._lock = threading.Lock()
        self._mounted_at = time.time_ns()

    # Looking things up ---------------------------------------------------------------------
    def _directory(self, node: DirectoryNode | Mapping[bytes, Node]) -> Mapping[bytes, Node]:
        if not isinstance(node, DirectoryNode):
            return node
        found = self._cache.get(node.digest)
        if found is None:
            try:
                found = self._directories.get(node.digest)
            except CastoreError as exc:
                raise _error(errno.EIO) from exc
            if found is None:
                raise _error(errno.EIO)
            self._cache[node.digest] = found
        return found

    def _lookup(self, path: str) -> Node | Mapping[bytes, Node]:
        here: Node | Mapping[bytes, Node] = self._root
        for part in (p for p in os.fsencode(path).split(b"/") if p):
            if not isinstance(here, DirectoryNode | Mapping):
                raise _error(errno.ENOTDIR)
            entries = self._directory(here)
            if part not in entries:
                raise _error(errno.ENOENT)
            here = entries[part]
        return here

    # FUSE operations -------------------------------------------------------------------------
    def getattr(self, path: str, fh: int | None = None) -> dict[str, Any]:
        node = self._lookup(path)
        times = {"st_atime": self._mounted_at, "st_mtime": 0, "st_ctime": 0}
        if isinstance(node, DirectoryNode | Mapping):
            return {"st_mode": stat.S_IFDIR | 0o555, "st_nlink": 2, "st_size": 0, **times}
        if isinstance(node, FileNode):
            mode = 0o555 if node.executable else 0o444
            return {"st_mode": stat.S_IFREG | mode, "st_nlink": 1, "st_size": node.size, **times}
        return {"st_mode": stat.S_IFLNK | 0o444, "st_nlink": 1, "st_size": len(node.target)}

    def readdir(self, path: str, fh: int) -> list[str]:
        node = self._lookup(path)
        if not isinstance(node, DirectoryNode | Mapping):
            raise _error(errno.ENOTDIR)
        return [".", "..", *(os.fsdecode(name) for name in self._directory(node))]

    def readlink(self, path: str) -> str:
        node = self._lookup(path)
        if not isinstance(node, SymlinkNode):
            raise _error(errno.EINVAL)
        return os.fsdecode(node.target)

    def open(self, path: str, flags: int) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR):
            raise _error(errno.EROFS)
        node = self._lookup(path)
        if not isinstance(node, FileNode):
            raise _error(errno.EISDIR if not isinstance(node, SymlinkNode) else errno.ELOOP)
        try:
            reader = self._blobs.open_read(node.digest)
        except BlobNotFoundError as exc:
            raise _error(errno.EIO) from exc
        except CastoreError as exc:
            raise _error(errno.EIO) from exc
        with self._lock:
            fh = self._next
            self._next += 1
            self._handles[fh] = (threading.Lock(), reader)
        return fh

    def read(self, path: str, size: int, offset: int, fh: int) -> bytes:
        lock, reader = self._handles[fh]
        with lock:
            try:
                reader.seek(offset)
                return reader.read(size)
            except CastoreError as exc:
                raise _error(errno.EIO) from exc

    def release(self, path: str, fh: int) -> int:
        with self._lock:
            _, reader = self._handles.pop(fh)
        reader.close()
        return 0

    def statfs(self, path: str) -> dict[str, int]:
        return {"f_bsize": 4096, "f_namemax": 255}


def _error(code: int) -> OSError:
    import mfusepy

    error: OSError = mfusepy.FuseOSError(code)
    return error


def mount(fs: CastoreFs, mountpoint: str | os.PathLike[str], *, foreground: bool = True) -> None:
    """Serve ``fs`` at ``mountpoint`` until it is unmounted (blocks when foreground)."""
    import mfusepy

    try:
        mfusepy.FUSE(
            fs, os.fspath(mountpoint), foreground=foreground, ro=True, default_permissions=True
        )
    except RuntimeError as exc:
        # libfuse's loop reports a status when a signal or an unmount ends it: that is the
        # normal end of a mount, once the mount point is gone.
        if os.path.ismount(mountpoint):
            raise CastoreError(f"{os.fspath(mountpoint)}: FUSE failed (status {exc})") from None


def unmount(mountpoint: str | os.PathLike[str]) -> None:
    tool = shutil.which("fusermount3") or "fusermount"
    subprocess.run([tool, "-u", os.fspath(mountpoint)], check=True, capture_output=True)


@contextmanager
def mounted(fs: CastoreFs, mountpoint: str | os.PathLike[str]) -> Iterator[str]:
    """Mount on a helper thread for the duration of a ``with`` block."""
    where = os.fspath(mountpoint)
    thread = threading.Thread(target=mount, args=(fs, where), daemon=True, name="fuse")
    thread.start()
    deadline = time.monotonic() + 10
    while not os.path.ismount(where):
        if not thread.is_alive() or time.monotonic() > deadline:
            raise CastoreError(f"{where}: FUSE mount did not come up")
        time.sleep(0.02)
    try:
        yield where
    finally:
        unmount(where)
        thread.join(10)
