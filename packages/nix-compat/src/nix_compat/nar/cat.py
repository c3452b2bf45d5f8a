"""One file out of a NAR (``nix nar cat``), and found by seeking where possible.

Like C++ Nix, which parses the whole NAR before it prints a byte, :func:`cat` validates the
whole NAR first: a NAR that is corrupt anywhere, even after the file, yields nothing and raises
:class:`~nix_compat.errors.NarError`, so no one takes the contents of a broken archive for
good. When the stream can seek, the validation skips file contents by seeking and the file is
then read at its offset; when it cannot (a pipe), the file's contents are kept aside, in
memory or a temporary file past a megabyte, until the rest of the NAR has been read.

With a listing (:mod:`nix_compat.nar.listing`) and a seekable NAR, :func:`cat_listed` reads the
file's contents straight from their ``narOffset``, trusting the listing for the rest.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from typing import IO, Protocol, cast

from nix_compat.errors import NarError
from nix_compat.nar.format import CHUNK_SIZE, display_path, parse_path
from nix_compat.nar.listing import ListedFile, ListedNode, list_nar, lookup
from nix_compat.nar.reader import DirectoryEnd, FileEvent, NarEvent, NarReader, Readable

__all__ = ["Seekable", "cat", "cat_listed"]


class Seekable(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def seek(self, offset: int, whence: int = ..., /) -> int: ...


def cat(source: Readable, path: str | bytes, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The contents of the regular file at ``path`` in the NAR on ``source``, in chunks.

    Nothing is yielded until the whole NAR has been read and found valid (see the module's
    docstring); then a path that is missing or not a regular file is an error.
    """
    if _seekable(source):
        stream = cast(Seekable, source)
        start = stream.seek(0, io.SEEK_CUR)
        listing = list_nar(stream)
        stream.seek(start, io.SEEK_SET)
        yield from cat_listed(stream, listing, path, chunk_size=chunk_size)
        return
    with tempfile.SpooledTemporaryFile(max_size=CHUNK_SIZE) as kept:
        _keep_file(source, parse_path(path), kept)
        kept.seek(0)
        while chunk := kept.read(chunk_size):
            yield chunk


def _keep_file(source: Readable, wanted: bytes, kept: IO[bytes]) -> None:
    """Read the whole NAR, writing the contents of the file at ``wanted`` to ``kept``.

    A corrupt NAR is reported before a path that is missing or not a regular file, as C++
    Nix, which parses the NAR before it looks the path up, reports them.
    """
    kind: type[NarEvent] | None = None
    for event in NarReader(source):
        if event.path != wanted or isinstance(event, DirectoryEnd):
            continue
        kind = type(event)
        if isinstance(event, FileEvent):
            for chunk in event.chunks():
                kept.write(chunk)
    if kind is None:
        raise NarError(f"path '{display_path(wanted)}' does not exist in the NAR")
    if kind is not FileEvent:
        raise NarError(f"path '{display_path(wanted)}' is not a regular file")


def _seekable(source: Readable) -> bool:
    seekable = getattr(source, "seekable", None)
    try:
        return bool(seekable is not None and seekable() and hasattr(source, "seek"))
    except (OSError, ValueError):
        return False


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
    try:
        source.seek(node.nar_offset, io.SEEK_CUR)
    except OverflowError:  # an offset the listing gives, too far for the stream to go
        raise NarError(
            f"narOffset {node.nar_offset} is beyond what the NAR's stream can seek to",
            path=display_path(wanted),
        ) from None
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
