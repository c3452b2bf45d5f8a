"""PathInfo services made of others.

- a cache: a near service in front of a far one, filled on reads;
- an LRU: the most recently used PathInfos in memory (a near side);
- a priority list: services asked in order, the first that has a path answers;
- first answer wins: services asked at once, the first to have a path answers (for several
  caches of different speeds);
- signing: PathInfos signed with a key as they are put.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from nix_compat.signing import SigningKey

from tvix_store.errors import PathInfoServiceError, StoreError
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.service import PathInfoService

__all__ = [
    "CachePathInfoService",
    "FirstAnswerPathInfoService",
    "LruPathInfoService",
    "PriorityPathInfoService",
    "SigningPathInfoService",
]


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


def _unique(services: Sequence[PathInfoService]) -> Iterator[PathInfo]:
    """Every PathInfo of every service that can list, each path once (first one wins)."""
    seen: set[bytes] = set()
    for service in services:
        try:
            infos = list(service.list())
        except PathInfoServiceError:
            continue  # a binary cache cannot list: the others still can
        for info in infos:
            if info.store_path.digest not in seen:
                seen.add(info.store_path.digest)
                yield info


class PriorityPathInfoService:
    """Services asked in order: the first that has a path answers. Puts go to the first;
    lists are of every service that can list, each path once."""

    def __init__(self, services: Sequence[PathInfoService]):
        if not services:
            raise ValueError(f"{type(self).__name__} needs at least one service")
        self.services = tuple(services)

    def get(self, digest: bytes) -> PathInfo | None:
        for service in self.services:
            info = service.get(digest)
            if info is not None:
                return info
        return None

    def put(self, info: PathInfo) -> PathInfo:
        return self.services[0].put(info)

    def list(self) -> Iterator[PathInfo]:
        return _unique(self.services)

    def close(self) -> None:
        for service in self.services:
            service.close()


class FirstAnswerPathInfoService(PriorityPathInfoService):
    """Services asked at once: the first to answer with the path wins (the others' answers
    are not waited for). None when none has it; an error only when every one failed or
    none has it and one failed. Puts and lists as for a priority list."""

    def __init__(self, services: Sequence[PathInfoService]):
        super().__init__(services)
        self._pool = ThreadPoolExecutor(max_workers=4 * len(services))

    def get(self, digest: bytes) -> PathInfo | None:
        pending: set[Future[PathInfo | None]] = {
            self._pool.submit(service.get, digest) for service in self.services
        }
        failure: BaseException | None = None
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                error = future.exception()
                if error is not None:
                    failure = failure or error
                    continue
                answer = future.result()
                if answer is not None:
                    return answer
        if failure is not None:
            if isinstance(failure, StoreError):
                raise failure
            raise PathInfoServiceError("first answer wins", str(failure)) from failure
        return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        super().close()


class SigningPathInfoService:
    """Signs every PathInfo put with ``key`` (keeping the signatures it has) before storing
    it in ``inner``: a store whose paths clients can verify."""

    def __init__(self, inner: PathInfoService, key: SigningKey):
        self.inner = inner
        self.key = key

    def get(self, digest: bytes) -> PathInfo | None:
        return self.inner.get(digest)

    def put(self, info: PathInfo) -> PathInfo:
        return self.inner.put(info.with_signature(self.key))

    def list(self) -> Iterator[PathInfo]:
        return self.inner.list()

    def close(self) -> None:
        self.inner.close()
