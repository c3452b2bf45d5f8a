"""Directory closures in an object store, one object per closure, keyed by its root.

``dirs/b3/<2 hex>/<root hex>`` holds the closure's directories root first, breadth first,
each as a varint-length-prefixed ``Directory`` message: one read fetches a whole tree. As
Tvix allows for such backends, only roots of stored closures can be looked up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import obstore
from obstore.store import LocalStore, MemoryStore, ObjectStore

from tvix_castore.digest import B3Digest
from tvix_castore.directories.service import (
    ClosurePutter,
    DirectoryPutter,
    check_fetched,
    traverse,
)
from tvix_castore.errors import DirectoryNotFoundError, DirectoryServiceError, NodeError
from tvix_castore.nodes import Directory
from tvix_castore.object_stores import STORE_ERRORS

__all__ = ["CLOSURE_CONTENT_TYPE", "ObjectStoreDirectoryService"]

CLOSURE_CONTENT_TYPE: Final = "application/vnd.tvix-castore.directories+protobuf-delimited"


def _key(digest: B3Digest) -> str:
    hexdigest = digest.hex()
    return f"dirs/b3/{hexdigest[:2]}/{hexdigest}"


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("bad length prefix")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _encode(closure_root_first: list[Directory]) -> bytes:
    parts = []
    for directory in closure_root_first:
        data = directory.encoded
        parts.append(_varint(len(data)))
        parts.append(data)
    return b"".join(parts)


def _decode(root: B3Digest, data: bytes) -> list[Directory]:
    out = []
    pos = 0
    try:
        while pos < len(data):
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated")
            out.append(Directory.from_bytes(data[pos : pos + length]))
            pos += length
    except (ValueError, IndexError, NodeError) as exc:
        raise DirectoryServiceError(
            f"closure {root}: corrupt object at byte {pos}: {exc}"
        ) from None
    return out


class ObjectStoreDirectoryService:
    """Whole closures as single objects in an obstore store."""

    def __init__(self, store: ObjectStore, *, local_root: Path | None = None):
        self.store = store
        self.local_root = local_root

    @classmethod
    def local(cls, root: str | os.PathLike[str]) -> ObjectStoreDirectoryService:
        path = Path(root).absolute()
        path.mkdir(parents=True, exist_ok=True)
        return cls(LocalStore(path, mkdir=True), local_root=path)

    @classmethod
    def memory(cls) -> ObjectStoreDirectoryService:
        return cls(MemoryStore())

    def _closure(self, root: B3Digest) -> list[Directory] | None:
        try:
            data = bytes(obstore.get(self.store, _key(root)).bytes())
        except FileNotFoundError:
            return None
        except STORE_ERRORS as exc:
            raise DirectoryServiceError(f"object store: reading {root}: {exc}") from None
        closure = _decode(root, data)
        if not closure:
            raise DirectoryServiceError(f"closure {root}: empty object")
        check_fetched(root, closure[0])
        return closure

    def get(self, digest: B3Digest) -> Directory | None:
        closure = self._closure(digest)
        return None if closure is None else closure[0]

    def get_recursive(self, root: B3Digest) -> Iterator[Directory]:
        closure = self._closure(root)
        if closure is None:
            raise DirectoryNotFoundError(root)
        by_digest = {d.digest: d for d in closure}
        # Walk it again so a tampered object cannot yield a wrong or partial tree.
        return traverse(by_digest.get, root)

    def _write(self, closure_leaves_first: list[Directory]) -> None:
        root = closure_leaves_first[-1]
        by_digest = {d.digest: d for d in closure_leaves_first}
        data = _encode(list(traverse(by_digest.get, root.digest)))
        try:
            kwargs: dict[str, Any] = {}
            if self.local_root is None:
                kwargs["attributes"] = {"Content-Type": CLOSURE_CONTENT_TYPE}
            obstore.put(self.store, _key(root.digest), data, **kwargs)
        except STORE_ERRORS as exc:
            raise DirectoryServiceError(f"object store: writing {root.digest}: {exc}") from None
        if self.local_root is not None:
            # A file system without user xattrs keeps the bytes only.
            with contextlib.suppress(OSError):
                os.setxattr(
                    self.local_root / _key(root.digest),
                    "user.mime_type",
                    CLOSURE_CONTENT_TYPE.encode(),
                )

    def put(self, directory: Directory) -> B3Digest:
        if any(True for _ in directory.directories()):
            raise DirectoryServiceError(
                f"directory {directory.digest} has subdirectories: this service stores whole "
                "closures, use put_closure"
            )
        self._write([directory])
        return directory.digest

    def put_closure(self) -> DirectoryPutter:
        return ClosurePutter(self._write)

    def close(self) -> None:
        pass
