"""NARs that ``nix copy --to http://…`` uploaded and whose narinfo has not come yet.

A client uploads a path in two requests: ``PUT /nar/<file hash>.nar[.xz…]`` then
``PUT /<hash>.narinfo`` naming that NAR by its URL. The NAR is ingested into castore as it
arrives; what the narinfo needs to check it (root node, NAR hash and size) is kept here,
keyed by the URL, until the narinfo claims it. Only then does a path become valid: a
narinfo whose NAR never arrived, or does not match, is refused. The table lives in memory
(a few hundred bytes an entry, the oldest forgotten beyond ``capacity``): a restarted
nar-bridge has forgotten half-done uploads, and the client's retry uploads again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from tvix_castore.nodes import Node

__all__ = ["PendingUploads", "UploadedNar"]


@dataclass(frozen=True, slots=True)
class UploadedNar:
    node: Node
    nar_size: int
    nar_sha256: bytes
    file_size: int
    file_sha256: bytes


class PendingUploads:
    def __init__(self, capacity: int = 100_000):
        self._capacity = capacity
        self._entries: OrderedDict[str, UploadedNar] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, url: str, nar: UploadedNar) -> None:
        with self._lock:
            self._entries[url] = nar
            self._entries.move_to_end(url)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def get(self, url: str) -> UploadedNar | None:
        with self._lock:
            return self._entries.get(url)

    def forget(self, url: str) -> None:
        with self._lock:
            self._entries.pop(url, None)
