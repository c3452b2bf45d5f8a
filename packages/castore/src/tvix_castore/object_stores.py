"""Object stores from ``objectstore+<scheme>://`` URLs, through obstore.

``objectstore+file:///path``, ``objectstore+memory://`` and ``objectstore+s3://bucket/prefix``
(also ``gs``, ``az``, ``http(s)``); query parameters are the store's configuration keys
(``endpoint``, ``region``, ``access_key_id``...), plus ``allow_http`` and ``timeout`` for the
HTTP client. Keys the store does not know are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from obstore.exceptions import BaseError
from obstore.store import LocalStore, MemoryStore, ObjectStore, from_url

from tvix_castore.errors import CompositionError

__all__ = ["STORE_ERRORS", "open_object_store"]

#: What obstore raises for failed operations (besides FileNotFoundError for a missing key).
STORE_ERRORS: Final = (OSError, BaseError)

_CLIENT_OPTIONS: Final = {"allow_http", "timeout", "connect_timeout", "allow_invalid_certificates"}


def open_object_store(
    url: str, options: dict[str, str] | None = None
) -> tuple[ObjectStore, Path | None]:
    """The store an ``objectstore+`` URL (or a bare object store URL) names, and its local
    root folder when it is on local files."""
    parts = urlsplit(url.removeprefix("objectstore+"))
    config: dict[str, Any] = dict(parse_qsl(parts.query))
    config.update(options or {})
    if parts.scheme == "memory":
        if config:
            raise CompositionError(url, f"memory stores take no options ({sorted(config)})")
        return MemoryStore(), None
    if parts.scheme == "file":
        if config:
            raise CompositionError(url, f"file stores take no options ({sorted(config)})")
        if not parts.path:
            raise CompositionError(url, "needs an absolute path")
        root = Path(unquote(parts.path))
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CompositionError(url, f"cannot create {root}: {exc.strerror}") from None
        return LocalStore(root, mkdir=True), root
    if parts.scheme not in ("s3", "gs", "az", "abfs", "http", "https"):
        raise CompositionError(url, f"unknown object store scheme {parts.scheme!r}")
    client = {k: config.pop(k) for k in list(config) if k in _CLIENT_OPTIONS}
    if "allow_http" in client:
        client["allow_http"] = client["allow_http"] in ("true", "1", True)
    bare = parts._replace(query="").geturl()
    try:
        store = from_url(
            bare, config=cast(Any, config or None), client_options=cast(Any, client or None)
        )
        return store, None
    except (BaseError, ValueError, OSError) as exc:
        raise CompositionError(url, str(exc).splitlines()[0]) from None
