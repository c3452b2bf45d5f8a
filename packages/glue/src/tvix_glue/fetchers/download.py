"""Downloading a URL (``http``, ``https``, ``file``) into a file, with C++ Nix's messages for
what goes wrong (``unable to download 'URL': HTTP error 404``, followed by the response's
body, as it prints it)."""

from __future__ import annotations

import shutil
from typing import IO, Final
from urllib.parse import unquote, urlsplit

from tvix_eval.errors import NixError

__all__ = ["download"]

#: Seconds a server may take to answer or to send more.
TIMEOUT: Final = 300.0
#: How much of an error response's body is shown.
_BODY_SHOWN: Final = 64 * 1024


def download(url: str, out: IO[bytes]) -> None:
    """Write what ``url`` names to ``out``; NixError when it cannot be had."""
    scheme = urlsplit(url).scheme
    if scheme == "file":
        _copy_file(url, out)
    elif scheme in ("http", "https"):
        _get(url, out)
    else:
        raise _unable(url, f"unsupported URL scheme '{scheme}'")


def _unable(url: str, why: str) -> NixError:
    return NixError(f"unable to download '{url}': {why}")


def _copy_file(url: str, out: IO[bytes]) -> None:
    path = unquote(urlsplit(url).path)
    try:
        with open(path, "rb") as source:
            shutil.copyfileobj(source, out, 1 << 20)
    except IsADirectoryError:
        raise _unable(url, "Is a directory") from None
    except FileNotFoundError:
        why = f"Could not read a file:// file (37) Couldn't open file {path}"
        raise _unable(url, why) from None
    except OSError as exc:
        raise _unable(url, exc.strerror or str(exc)) from None


def _get(url: str, out: IO[bytes]) -> None:
    import httpx

    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=TIMEOUT) as response:
            if response.status_code >= 400:
                body = b""
                for piece in response.iter_bytes():
                    body += piece
                    if len(body) >= _BODY_SHOWN:
                        break
                raise _http_error(url, response.status_code, body)
            for piece in response.iter_bytes(1 << 20):
                out.write(piece)
    except httpx.HTTPError as exc:
        raise _unable(url, str(exc) or type(exc).__name__) from None


def _http_error(url: str, status: int, body: bytes) -> NixError:
    text = body.decode("utf-8", "replace").strip()
    message = f"HTTP error {status}"
    if text:
        message += "\n\nresponse body:\n\n" + text
    return _unable(url, message)
