"""An upload that becomes visible only when it is closed, and is thrown away otherwise.

Blob writers and directory putters are both such uploads; a ``with`` block closes one on
success and aborts it when an exception leaves the block, so nothing half-written is kept.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self

from tvix_castore.digest import B3Digest

__all__ = ["Upload"]


class Upload(abc.ABC):
    @abc.abstractmethod
    def close(self) -> B3Digest:
        """Make the upload visible; returns its digest."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Throw the upload away."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
        else:
            self.abort()
