"""PathInfos in a dict: for tests and short-lived processes."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from tvix_store.pathinfo import PathInfo

__all__ = ["MemoryPathInfoService"]


class MemoryPathInfoService:
    def __init__(self) -> None:
        self._infos: dict[bytes, PathInfo] = {}
        self._lock = threading.Lock()

    def get(self, digest: bytes) -> PathInfo | None:
        return self._infos.get(bytes(digest))

    def put(self, info: PathInfo) -> PathInfo:
        with self._lock:
            self._infos[info.store_path.digest] = info
        return info

    def list(self) -> Iterator[PathInfo]:
        with self._lock:
            infos = list(self._infos.values())
        return iter(infos)

    def close(self) -> None:
        return None
