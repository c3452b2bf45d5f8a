"""Object stores from ``objectstore+<scheme>://`` URLs, through obstore.

``STORE_ERRORS`` is what obstore raises for failed operations (besides FileNotFoundError for a
missing key).

``objectstore+file:///path``, ``objectstore+memory://`` and ``objectstore+s3://bucket/prefix``
(also ``gs``, ``az``, ``http(s)``); query parameters are the store's configuration keys
(``endpoint``, ``region``, ``access_key_id``...), plus ``allow_http`` and ``timeout`` for the
HTTP client. Keys the store does not know are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import parse_qsl, unquote, urlsplit

from tvix_castore.errors import CompositionError

if TYPE_CHECKING:
    from obstore.store import ObjectStore

    from tvix_castore.composition import BuildContext

__all__ = ["describe_url", "open_from_spec", "open_object_store"]


def __getattr__(name: str) -> tuple[type[Exception], ...]:
    # obstore is an extra (tvix-castore[s3]): it is imported only when a store is opened, so
    # that object store URLs can be described, and refused clearly, without it.
    if name == "STORE_ERRORS":
        from obstore.exceptions import BaseError

        return (OSError, BaseError)
    raise AttributeError(name)


_CLIENT_OPTIONS: Final = {"allow_http", "timeout", "connect_timeout", "allow_invalid_certificates"}


def describe_url(url: str, *, chunking: bool) -> dict[str, Any]:
    """The description an ``objectstore+`` URL stands for: its query holds the store's
    options, and for blobs also ``avg_chunk_size``."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    spec: dict[str, Any] = {
        "type": "objectstore",
        "object_store_url": parts._replace(query="").geturl(),
    }
    if chunking and "avg_chunk_size" in options:
        spec["avg_chunk_size"] = options.pop("avg_chunk_size")
    if options:
        spec["object_store_options"] = options
    return spec


def open_from_spec(
    context: BuildContext, spec: Mapping[str, Any]
) -> tuple[ObjectStore, Path | None]:
    """The store an ``objectstore`` service description names."""
    return open_object_store(
        context.string(spec, "object_store_url"),
        context.table(spec, "object_store_options"),
        where=context.where,
    )


def open_object_store(
    url: str, options: dict[str, str] | None = None, *, where: str | None = None
) -> tuple[ObjectStore, Path | None]:
    """The store an ``objectstore+`` URL (or a bare object store URL) names, and its local
    root folder when it is on local files. Errors name ``where`` (the service) besides the
    URL, when it is given and differs."""
    try:
        return _open(url, options)
    except CompositionError as exc:
        if where is None or where == url:
            raise
        raise CompositionError(where, f"{exc.where}: {exc.reason}") from None


def _open(url: str, options: dict[str, str] | None) -> tuple[ObjectStore, Path | None]:
    from obstore.exceptions import BaseError
    from obstore.store import LocalStore, MemoryStore, from_url

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
