"""The one exception hierarchy of tvix-store.

As in castore, each concern has its family: a PathInfo that breaks the rules of the model
(``PathInfoError``, naming the field), a PathInfo service that failed (``PathInfoServiceError``,
carrying the backend's cause), a NAR that cannot be rendered or ingested (``NarRenderError``,
``NarIngestError``), and a binary cache that answered wrongly (``BinaryCacheError``). castore's
own errors (a missing blob, a bad URL) pass through unchanged.
"""

from __future__ import annotations

__all__ = [
    "BinaryCacheError",
    "NarIngestError",
    "NarRenderError",
    "PathInfoError",
    "PathInfoServiceError",
    "PathMissing",
    "StoreError",
]


class StoreError(Exception):
    """Base of every error tvix-store raises on purpose."""


class PathInfoError(StoreError, ValueError):
    """A PathInfo (or its message) that breaks the model's rules; ``field`` is the message
    field concerned, as Tvix names it (``narinfo.reference_names[2]``)."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"invalid PathInfo: {field}: {reason}")


class PathInfoServiceError(StoreError):
    """A PathInfo service could not do what was asked; ``__cause__`` is the backend's error
    and ``service`` names the backend (a URL, a file, a server)."""

    def __init__(self, service: str, reason: str):
        self.service = service
        self.reason = reason
        super().__init__(f"{service}: {reason}")


class NarRenderError(StoreError):
    """A NAR could not be made from castore: a blob or directory is missing or corrupt."""


class NarIngestError(StoreError):
    """A NAR stream could not be stored: malformed, truncated, or not the NAR expected
    (its hash or size differ from what was announced). Nothing of it became visible."""


class BinaryCacheError(StoreError):
    """A binary cache answered with something unusable: a narinfo for another path, a bad
    or missing signature, a NAR that does not hash to its NarHash, a transport failure."""

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")


class PathMissing(StoreError):
    """A path asked for is not where it was looked for (a binary cache copied from)."""

    def __init__(self, where: str, path: str):
        self.where = where
        self.path = path
        super().__init__(f"{where}: does not have {path}")
