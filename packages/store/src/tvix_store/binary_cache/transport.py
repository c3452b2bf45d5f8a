"""Reading and writing the files of a binary cache, over HTTP(S) or in a local folder.

A key is a path below the cache's root (``nix-cache-info``, ``<hash>.narinfo``,
``nar/<hash>.nar.xz``). A missing file is ``None``, and so is 403, as many caches (S3 behind
HTTP) answer for what they do not have. Files are streamed both ways; a file written to a
folder appears whole or not at all (written aside, then renamed).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import quote, unquote, urlsplit

import httpx

from tvix_store.errors import BinaryCacheError

__all__ = ["CacheTransport", "FileTransport", "HttpTransport", "split_options", "transport_for"]

#: How long a request may wait for the server to answer or send more, in seconds.
TIMEOUT = 60.0


class CacheTransport(Protocol):
    url: str

    def open(self, key: str) -> IO[bytes] | None:
        """The file's bytes as a stream, or None when the cache does not have it."""
        ...

    def exists(self, key: str) -> bool: ...

    def write(self, key: str, data: bytes | Iterable[bytes], content_type: str) -> None: ...

    def close(self) -> None: ...


class _ResponseReader(io.RawIOBase):
    """The body of a streamed HTTP response, read as a file."""

    def __init__(self, response: httpx.Response, where: str):
        self._response = response
        self._pieces: Iterator[bytes] = response.iter_raw(1 << 16)
        self._pending = b""
        self._where = where

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if not self._pending:
            try:
                self._pending = next(self._pieces, b"")
            except httpx.HTTPError as exc:
                raise BinaryCacheError(self._where, f"download failed: {exc}") from None
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._response.close()
        super().close()


class HttpTransport:
    """A cache at an ``http(s)://`` URL (a sub-path prefix is kept)."""

    def __init__(self, url: str, client: httpx.Client | None = None):
        self.url = url.rstrip("/")
        self._client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)

    def _url(self, key: str) -> str:
        return f"{self.url}/{quote(key, safe='/?=&')}"

    def open(self, key: str) -> IO[bytes] | None:
        url = self._url(key)
        try:
            response = self._client.send(self._client.build_request("GET", url), stream=True)
        except httpx.HTTPError as exc:
            raise BinaryCacheError(url, f"request failed: {exc}") from None
        if response.status_code in (403, 404):
            response.close()
            return None
        if response.status_code != 200:
            response.close()
            raise BinaryCacheError(url, f"HTTP {response.status_code} {response.reason_phrase}")
        return io.BufferedReader(_ResponseReader(response, url), 1 << 16)

    def exists(self, key: str) -> bool:
        url = self._url(key)
        try:
            response = self._client.head(url)
        except httpx.HTTPError as exc:
            raise BinaryCacheError(url, f"request failed: {exc}") from None
        if response.status_code in (403, 404):
            return False
        if response.status_code != 200:
            raise BinaryCacheError(url, f"HTTP {response.status_code} {response.reason_phrase}")
        return True

    def write(self, key: str, data: bytes | Iterable[bytes], content_type: str) -> None:
        url = self._url(key)
        try:
            response = self._client.put(url, content=data, headers={"Content-Type": content_type})
        except httpx.HTTPError as exc:
            raise BinaryCacheError(url, f"upload failed: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise BinaryCacheError(
                url, f"upload refused: HTTP {response.status_code} {response.text.strip()[:200]}"
            )

    def close(self) -> None:
        self._client.close()


class FileTransport:
    """A cache in a local folder (``file:///path``), as ``nix copy --to file://`` writes."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.url = f"file://{self.root}"

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise BinaryCacheError(self.url, f"refusing the key {key!r}")
        return self.root.joinpath(*parts)

    def open(self, key: str) -> IO[bytes] | None:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BinaryCacheError(str(self._path(key)), exc.strerror or str(exc)) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def write(self, key: str, data: bytes | Iterable[bytes], content_type: str) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, scratch = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            try:
                with os.fdopen(fd, "wb") as out:
                    for piece in [data] if isinstance(data, bytes) else data:
                        out.write(piece)
                os.replace(scratch, target)
            except BaseException:
                os.unlink(scratch)
                raise
        except OSError as exc:
            raise BinaryCacheError(str(target), exc.strerror or str(exc)) from None

    def close(self) -> None:
        return None


def split_options(url: str) -> tuple[str, dict[str, str]]:
    """A store URL without its query, and the query's options, decoded as C++ Nix decodes
    them: percent escapes only ('+' stays '+': public keys are base64)."""
    parts = urlsplit(url)
    options: dict[str, str] = {}
    for item in parts.query.split("&") if parts.query else ():
        name, _, value = item.partition("=")
        options[unquote(name)] = unquote(value)
    return parts._replace(query="").geturl(), options


def transport_for(url: str) -> CacheTransport:
    """The transport of a cache URL: ``http(s)://…`` or ``file:///…`` (``nix+`` prefix ok)."""
    bare = url.removeprefix("nix+")
    parts = urlsplit(bare)
    if parts.scheme in ("http", "https"):
        return HttpTransport(parts._replace(query="", fragment="").geturl())
    if parts.scheme == "file":
        if parts.netloc or not parts.path:
            raise BinaryCacheError(url, "a file:// cache needs an absolute path")
        return FileTransport(parts.path)
    raise BinaryCacheError(url, f"not a binary cache URL (scheme {parts.scheme!r})")
