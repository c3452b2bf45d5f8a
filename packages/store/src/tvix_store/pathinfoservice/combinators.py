"""PathInfo services made of others: a cache in front of a far service, an LRU in memory.

(The priority list, first-answer-wins and signing wrappers follow the same shape.)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.service import PathInfoService

__all__ = ["CachePathInfoService", "LruPathInfoService"]


class CachePathInfoService:
    """Reads try ``near`` first; a hit in ``far`` is copied into ``near``. Writes go to
    ``far``, the source of truth, and then to ``near``. Lists come from ``far``."""

    def __init__(self, near: PathInfoService, far: PathInfoService):
        self.near = near
        self.far = far

    def get(self, digest: bytes) -> PathInfo | None:
        info = self.near.get(digest)
        if info is not None:
            return info
        info = self.far.get(digest)
        if info is not None:
            self.near.put(info)
        return info

    def put(self, info: PathInfo) -> PathInfo:
        stored = self.far.put(info)
        self.near.put(stored)
        return stored

    def list(self) -> Iterator[PathInfo]:
        return self.far.list()

    def close(self) -> None:
        self.near.close()
        self.far.close()


class LruPathInfoService:
    """The ``capacity`` most recently used PathInfos, in memory (a near side for a cache)."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError("an LRU needs a capacity of at least 1")
        self.capacity = capacity
        self._infos: OrderedDict[bytes, PathInfo] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: bytes) -> PathInfo | None:
        with self._lock:
            info = self._infos.get(bytes(digest))
            if info is not None:
                self._infos.move_to_end(bytes(digest))
            return info

    def put(self, info: PathInfo) -> PathInfo:
        with self._lock:
            self._infos[info.store_path.digest] = info
            self._infos.move_to_end(info.store_path.digest)
            while len(self._infos) > self.capacity:
                self._infos.popitem(last=False)
        return info

    def list(self) -> Iterator[PathInfo]:
        with self._lock:
            return iter(list(self._infos.values()))

    def close(self) -> None:
        return None
