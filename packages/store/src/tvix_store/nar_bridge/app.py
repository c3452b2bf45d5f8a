"""The HTTP application of nar-bridge: a Nix binary cache over castore and PathInfo.

Reading: ``/nix-cache-info``; ``/<hash>.narinfo`` made from the PathInfo (signed on the fly
when a key is given), its NAR URL naming the castore root node itself, so serving the NAR
needs no lookup: ``/nar/tvix-castore/<node>?narsize=N`` is rendered from castore as it is
sent, with Range requests answered by rendering from the offset; ``/<hash>.ls`` listings.

Writing, as ``nix copy --to http://…`` sends it, with any compression it uses: ``PUT
/nar/<file hash>.nar[.xz|.zst|.bz2|.br|.gz]`` is decompressed and ingested as it streams in
(and its file hash checked against its name); ``PUT /<hash>.narinfo`` then makes the path
valid, after checking the narinfo against that NAR (hash, size) and that every path it
refers to is valid. A failure answers 4xx or 5xx with one line of text; nothing half
received becomes a valid path.

Blocking store calls run on a thread pool; an upload's body is pulled from the event loop by
the thread that ingests it, so neither side holds more than a piece of it in memory.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, TypeVar

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from google.protobuf.message import DecodeError
from nix_compat import nixbase32
from nix_compat.errors import NixCompatError
from nix_compat.nar import dumps_listing, list_nar
from nix_compat.narinfo import NarInfo
from nix_compat.signing import SigningKey
from tvix_castore.errors import CastoreError, NodeError
from tvix_castore.nodes import DirectoryNode, FileNode, Node, node_from_proto, node_to_proto
from tvix_castore.protos import castore_pb2

from tvix_store.binary_cache.compression import decompressing_reader
from tvix_store.errors import (
    BinaryCacheError,
    NarIngestError,
    PathInfoError,
    PathInfoServiceError,
    StoreError,
)
from tvix_store.nar.ingest import ingest_nar
from tvix_store.nar.renderer import RenderedNar, render_nar
from tvix_store.nar_bridge.uploads import PendingUploads, UploadedNar
from tvix_store.pathinfo import PathInfo
from tvix_store.pathinfoservice.service import path_info_of
from tvix_store.services import Store

__all__ = ["NarBridge", "make_app"]

log = logging.getLogger("tvix_store.nar_bridge")

T = TypeVar("T")

_HASH: Final = r"[0-9a-df-np-sv-z]{32}"
_UPLOAD_NAME: Final = re.compile(r"([0-9a-df-np-sv-z]{52})\.nar(\.xz|\.bz2|\.zst|\.br|\.gz)?")
_COMPRESSION_OF: Final = {
    None: "none",
    ".xz": "xz",
    ".bz2": "bzip2",
    ".zst": "zstd",
    ".br": "br",
    ".gz": "gzip",
}
_PIECE: Final = 1 << 18
_MAX_U64: Final = 2**64 - 1
_MAX_NARINFO: Final = 1 << 20
#: How long an upload's ingesting thread waits for the client to send more.
_BODY_TIMEOUT: Final = 300.0


def nar_url(node: Node, nar_size: int) -> str:
    """The URL of a node's NAR as our narinfos give it: the node itself, base64url."""
    encoded = base64.urlsafe_b64encode(node_to_proto(node).SerializeToString()).decode()
    return f"nar/tvix-castore/{encoded.rstrip('=')}?narsize={nar_size}"


def _node_of(encoded: str) -> Node:
    try:
        data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        msg = castore_pb2.Node()
        msg.ParseFromString(data)
        return node_from_proto(msg)[1]
    except (ValueError, NodeError, DecodeError) as exc:  # ValueError: binascii's Error
        raise web.HTTPNotFound(text=f"not a NAR of this cache: {exc}\n") from None


def _nar_size_of(text: str) -> int:
    """The narsize of a NAR URL, as our narinfos write it: decimal digits of a size a NAR
    can have. (``int()`` takes signs, spaces and underscores too, and a negative size made
    a response with a negative Content-Length.)"""
    if re.fullmatch(r"[0-9]{1,20}", text) is None or not 0 < int(text) <= _MAX_U64:
        raise web.HTTPNotFound(text="a NAR URL needs its narsize, a size a NAR can have\n")
    return int(text)


class _Body:
    """An upload's body, read from a worker thread: hashed and counted as it passes."""

    def __init__(self, request: web.Request, loop: asyncio.AbstractEventLoop):
        self._content = request.content
        self._loop = loop
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._ended = False

    def read(self, size: int = -1, /) -> bytes:
        """The next piece; once the body has ended, empty without asking aiohttp again
        (decompressors and the NAR reader look for more at the end, and aiohttp logs a
        stack trace when its stream is read at its end more than a few times)."""
        if self._ended:
            return b""
        want = size if size > 0 else _PIECE
        future = asyncio.run_coroutine_threadsafe(self._content.read(want), self._loop)
        try:
            data = future.result(timeout=_BODY_TIMEOUT)
        except Exception as exc:  # the client went away, or stopped sending
            raise NarIngestError(f"the upload was cut short: {exc or type(exc).__name__}") from None
        self._ended = not data
        self.sha256.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(_PIECE):
            pass


class NarBridge:
    """The handlers, over one store; ``key`` signs the narinfos served."""

    def __init__(
        self,
        store: Store,
        *,
        key: SigningKey | None = None,
        priority: int = 40,
        workers: int = 16,
    ):
        self.store = store
        self.key = key
        self.priority = priority
        self.uploads = PendingUploads()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nar-bridge")

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- reading ---------------------------------------------------------------------------

    async def cache_info(self, request: web.Request) -> web.Response:
        text = f"StoreDir: /nix/store\nWantMassQuery: 1\nPriority: {self.priority}\n"
        return web.Response(text=text, content_type="text/x-nix-cache-info")

    async def _path_info(self, request: web.Request) -> PathInfo:
        digest = nixbase32.decode(request.match_info["hash"], 20)
        info = await self._run(self.store.path_infos.get, digest)
        if info is None:
            raise web.HTTPNotFound(text="no such path\n")
        return info

    async def get_narinfo(self, request: web.Request) -> web.Response:
        info = await self._path_info(request)
        if self.key is not None:
            info = info.with_signature(self.key)
        text = info.to_narinfo(nar_url(info.node, info.nar_size), compression="none").to_string()
        return web.Response(text=text, content_type="text/x-nix-narinfo")

    async def get_listing(self, request: web.Request) -> web.Response:
        info = await self._path_info(request)
        text = await self._run(self._listing, info)
        return web.Response(text=text, content_type="application/json")

    def _listing(self, info: PathInfo) -> str:
        pieces = render_nar(
            info.node, self.store.blobs, self.store.directories, with_contents=False
        )
        return dumps_listing(list_nar(_IteratorReader(pieces)))

    async def get_nar(self, request: web.Request) -> web.StreamResponse:
        node = _node_of(request.match_info["node"])
        size = _nar_size_of(request.query.get("narsize", ""))
        await self._run(self._check_present, node)
        start, end = _byte_range(request, size)
        response = web.StreamResponse(status=206 if (start, end) != (0, size) else 200)
        response.content_type = "application/x-nix-nar"
        response.content_length = end - start
        response.headers["Accept-Ranges"] = "bytes"
        if response.status == 206:
            response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        nar = RenderedNar(node, self.store.blobs, self.store.directories, size)
        nar.seek(start)
        remaining = end - start
        try:
            while remaining:
                piece = await self._run(nar.read, min(_PIECE, remaining))
                if not piece:
                    raise StoreError("the NAR ended early")
                remaining -= len(piece)
                await response.write(piece)
        except (StoreError, CastoreError) as exc:
            # Headers are sent: all that is left is to cut the response short.
            log.warning("NAR %s: %s", request.path, exc)
            if request.transport is not None:
                request.transport.close()
            return response
        await response.write_eof()
        return response

    def _check_present(self, node: Node) -> None:
        """404 for a NAR whose root castore lacks, or whose file root claims a size its blob
        does not have (where the blob service tells sizes): caught here, before the headers,
        rather than by cutting the response short."""
        if isinstance(node, DirectoryNode) and self.store.directories.get(node.digest) is None:
            raise web.HTTPNotFound(text="no such NAR\n")
        if isinstance(node, FileNode):
            stat = self.store.blobs.stat(node.digest)
            if stat is None or stat.size not in (None, node.size):
                raise web.HTTPNotFound(text="no such NAR\n")

    # -- writing ---------------------------------------------------------------------------

    async def head_uploaded_nar(self, request: web.Request) -> web.Response:
        """Whether an uploaded NAR is here (``nix copy`` asks before uploading one). Only
        its NAR is, until its narinfo comes: after that our narinfos name our own URLs."""
        if self.uploads.get(f"nar/{request.match_info['name']}") is None:
            raise web.HTTPNotFound(text="no such NAR\n")
        return web.Response(text="")

    async def put_nar(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        match = _UPLOAD_NAME.fullmatch(name)
        if match is None:
            raise web.HTTPBadRequest(text=f"not a NAR file name: {name}\n")
        compression = _COMPRESSION_OF[match.group(2)]
        body = _Body(request, asyncio.get_running_loop())
        uploaded = await self._run(self._ingest, body, compression, f"nar/{name}")
        expected = nixbase32.decode(match.group(1), 32)
        if uploaded.file_sha256 != expected:
            raise web.HTTPBadRequest(text=f"nar/{name}: the file does not hash to its name\n")
        self.uploads.add(f"nar/{name}", uploaded)
        return web.Response(text="")

    def _ingest(self, body: _Body, compression: str, where: str) -> UploadedNar:
        try:
            ingested = ingest_nar(
                decompressing_reader(body, compression, where),  # type: ignore[arg-type]
                self.store.blobs,
                self.store.directories,
            )
            body.drain()
        except (NarIngestError, BinaryCacheError) as exc:
            raise web.HTTPBadRequest(text=f"{where}: {exc}\n") from None
        except zlib.error as exc:
            # The gzip reader lets zlib's own error through for a corrupt deflate stream
            # (the compression module does not count it among the decompressors' errors):
            # a corrupt upload all the same, not a fault of the server.
            raise web.HTTPBadRequest(text=f"{where}: cannot decompress: {exc}\n") from None
        return UploadedNar(
            ingested.node, ingested.nar_size, ingested.nar_sha256, body.size, body.sha256.digest()
        )

    async def put_narinfo(self, request: web.Request) -> web.Response:
        text = await _whole_narinfo(request)
        try:
            narinfo = NarInfo.parse(text)
        except NixCompatError as exc:
            raise web.HTTPBadRequest(text=f"not a valid narinfo: {exc}\n") from None
        if narinfo.store_path.hash_part != request.match_info["hash"]:
            raise web.HTTPBadRequest(text="the narinfo is for another path\n")
        await self._run(self._register, narinfo)
        return web.Response(text="")

    def _register(self, narinfo: NarInfo) -> None:
        path = narinfo.store_path.to_absolute_path()
        uploaded = self.uploads.get(narinfo.url)
        if uploaded is None:
            if self._already_valid(narinfo):
                return  # a concurrent upload of the same path got there first
            raise web.HTTPBadRequest(text=f"{path}: its NAR {narinfo.url} was not uploaded\n")
        if narinfo.nar_hash.algo != "sha256" or (
            narinfo.nar_hash.digest,
            narinfo.nar_size,
        ) != (uploaded.nar_sha256, uploaded.nar_size):
            raise web.HTTPBadRequest(
                text=f"{path}: NarHash or NarSize are not those of the uploaded NAR\n"
            )
        for reference in narinfo.references:
            if reference == narinfo.store_path:
                continue
            if path_info_of(self.store.path_infos, reference) is None:
                raise web.HTTPBadRequest(
                    text=f"{path}: it refers to {reference.to_absolute_path()}, which is not "
                    "valid here: upload the references first\n"
                )
        try:
            info = PathInfo.from_narinfo(narinfo, uploaded.node)
            # What a narinfo may say and a PathInfo may hold differ (a Deriver that is no
            # .drv, a CA the message has no place for): the client's mistake, found here
            # rather than as a backend's failure to store it.
            PathInfo.from_proto(info.to_proto())
        except PathInfoError as exc:
            raise web.HTTPBadRequest(text=f"{path}: {exc}\n") from None
        if self.key is not None:
            info = info.with_signature(self.key)
        self.store.path_infos.put(info)
        self.uploads.forget(narinfo.url)

    def _already_valid(self, narinfo: NarInfo) -> bool:
        """Whether the narinfo's path is valid here with the NAR it describes (uploading a
        path twice, or two clients at once, is not an error)."""
        found = path_info_of(self.store.path_infos, narinfo.store_path)
        return (
            found is not None
            and found.nar_hash == narinfo.nar_hash
            and found.nar_size == narinfo.nar_size
        )


async def _whole_narinfo(request: web.Request) -> bytes:
    """A narinfo's whole body, up to the size a narinfo may have. (One ``read(n)`` gives
    what has arrived so far: for a body sent in pieces, only its start.)"""
    text = bytearray()
    while piece := await request.content.read(_MAX_NARINFO + 1 - len(text)):
        text += piece
        if len(text) > _MAX_NARINFO:
            raise web.HTTPRequestEntityTooLarge(_MAX_NARINFO, len(text))
    return bytes(text)


class _IteratorReader:
    """Pieces from an iterator, read as a stream (for the listing of a rendered NAR)."""

    def __init__(self, pieces: Iterable[bytes]):
        self._pieces: Iterator[bytes] = iter(pieces)
        self._pending = b""

    def read(self, size: int = -1, /) -> bytes:
        while size < 0 or len(self._pending) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._pending += piece
        if size < 0:
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out


def _byte_range(request: web.Request, size: int) -> tuple[int, int]:
    """The [start, end) a Range header asks for (one range), or the whole NAR."""
    header = request.headers.get("Range")
    if header is None:
        return 0, size
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if match is None or match.groups() == ("", ""):
        raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size
    else:
        start = int(first)
        end = min(int(last) + 1, size) if last else size
    if start >= size or start >= end:
        raise web.HTTPRequestRangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    return start, end


@web.middleware
async def _errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every failure is one line of text with a status, never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except PathInfoServiceError as exc:
        log.error("%s %s: %s", request.method, request.path, exc)
        raise web.HTTPBadGateway(text=f"{exc}\n") from None
    except (StoreError, CastoreError, NixCompatError) as exc:
        log.error("%s %s: %s", request.method, request.path, exc)
        raise web.HTTPInternalServerError(text=f"{exc}\n") from None
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.error("%s %s: internal error: %r", request.method, request.path, exc)
        raise web.HTTPInternalServerError(text="internal error\n") from None


class _ClientMistakesInOneLine(logging.Filter):
    """aiohttp answers a request it cannot parse (a header with control characters, a line
    too long) with 400 before any handler runs, and logs it at ERROR with a traceback, as if
    the server had failed. It is the client's mistake, already answered: this makes the
    record one line at INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            reason = (exc.message or type(exc).__name__).splitlines()[0].rstrip(":")
            record.msg = f"{record.getMessage()}: {exc.code} {reason}"
            record.args = ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True


#: aiohttp's logger of the connection handlers, whatever runner serves the application.
_SERVER_LOG: Final = logging.getLogger("aiohttp.server")


def make_app(bridge: NarBridge) -> web.Application:
    """The aiohttp application serving ``bridge``."""
    if not any(isinstance(f, _ClientMistakesInOneLine) for f in _SERVER_LOG.filters):
        _SERVER_LOG.addFilter(_ClientMistakesInOneLine())
    app = web.Application(middlewares=[_errors], client_max_size=_MAX_NARINFO)
    app.router.add_get("/nix-cache-info", bridge.cache_info)
    app.router.add_get(f"/{{hash:{_HASH}}}.narinfo", bridge.get_narinfo)
    app.router.add_put(f"/{{hash:{_HASH}}}.narinfo", bridge.put_narinfo)
    app.router.add_get(f"/{{hash:{_HASH}}}.ls", bridge.get_listing)
    app.router.add_get("/nar/tvix-castore/{node}", bridge.get_nar)
    app.router.add_put("/nar/{name}", bridge.put_nar)
    app.router.add_get("/nar/{name}", bridge.head_uploaded_nar)

    async def stop(_app: web.Application) -> None:
        bridge.close()

    app.on_cleanup.append(stop)
    return app
