"""One file out of a NAR (``nix nar cat``), streamed, and found by seeking where possible.

With a listing (:mod:`nix_compat.nar.listing`) and a seekable NAR the file's contents are read
straight from their ``narOffset``. Without one, the NAR is read up to the file, and the
contents of the files before it are seeked over rather than read when the stream can seek.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Protocol

from nix_compat.errors import NarError
from nix_compat.nar.format import CHUNK_SIZE, display_path, parse_path
from nix_compat.nar.listing import ListedFile, ListedNode, lookup
from nix_compat.nar.reader import FileEvent, NarReader, Readable

__all__ = ["Seekable", "cat", "cat_listed"]


class Seekable(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...


def cat(source: Readable, path: str | bytes, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The contents of the regular file at ``path`` in the NAR on ``source``, in chunks.

    The NAR is validated up to the file; reading stops there.
    """
    wanted = parse_path(path)
    for event in NarReader(source):
        if event.path != wanted:
            continue
        if not isinstance(event, FileEvent):
            raise NarError(f"path '{display_path(wanted)}' is not a regular file")
        yield from event.chunks(chunk_size)
        return
    raise NarError(f"path '{display_path(wanted)}' does not exist in the NAR")


def cat_listed(
    source: Seekable,
    listing: ListedNode,
    path: str | bytes,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[bytes]:
    """The contents of the file at ``path``, read at the ``narOffset`` its listing gives.

    ``source`` is positioned at the start of the NAR; nothing before the file is read.
    """
    wanted = parse_path(path)
    node = lookup(listing, wanted)
    if not isinstance(node, ListedFile):
        raise NarError(f"path '{display_path(wanted)}' is not a regular file")
    source.seek(node.nar_offset, io.SEEK_CUR)
    remaining = node.size
    while remaining:
        chunk = source.read(min(remaining, chunk_size))
        if not chunk:
            raise NarError(
                "NAR ends before the file's contents do",
                node.nar_offset + node.size - remaining,
                display_path(wanted),
            )
        remaining -= len(chunk)
        yield chunk
