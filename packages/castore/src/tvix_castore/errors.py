"""The one exception hierarchy of tvix-castore.

Each service has its own family, so a caller can tell "the blob is missing" from "the
directory closure is malformed" from "the configuration names an unknown scheme", and every
error says what was wrong and where (a digest, a name, a field, a path, a URL).
"""

from __future__ import annotations

__all__ = [
    "BlobCorruptError",
    "BlobNotFoundError",
    "BlobServiceError",
    "CastoreError",
    "ClosureError",
    "CompositionError",
    "DigestError",
    "DirectoryNotFoundError",
    "DirectoryServiceError",
    "IngestionError",
    "NodeError",
]


class CastoreError(Exception):
    """Base of every error tvix-castore raises on purpose."""


class DigestError(CastoreError, ValueError):
    """A digest of the wrong length, or text that is not a digest."""


class NodeError(CastoreError, ValueError):
    """A node or directory that breaks the rules of the data model.

    ``name`` is the entry concerned (if any) and ``field`` the message field.
    """

    def __init__(self, reason: str, *, name: bytes | None = None, field: str | None = None):
        self.reason = reason
        self.name = name
        self.field = field
        where = []
        if name is not None:
            where.append(f"entry {name!r}")
        if field is not None:
            where.append(f"field {field}")
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)


class BlobServiceError(CastoreError):
    """A blob service could not do what was asked (backend or transport failure)."""


class BlobNotFoundError(BlobServiceError, KeyError):
    """The blob (or chunk) with this digest is not in the service."""

    def __init__(self, digest: object):
        self.digest = digest
        super().__init__(f"blob {digest} not found")

    def __str__(self) -> str:
        return str(self.args[0])


class BlobCorruptError(BlobServiceError):
    """Bytes read for a digest do not hash to it: the store or the peer is lying."""

    def __init__(self, expected: object, got: object, what: str = "blob"):
        self.expected = expected
        self.got = got
        super().__init__(f"{what} {expected}: received bytes hash to {got}")


class DirectoryServiceError(CastoreError):
    """A directory service could not do what was asked."""


class DirectoryNotFoundError(DirectoryServiceError, KeyError):
    """The directory with this digest is not in the service."""

    def __init__(self, digest: object):
        self.digest = digest
        super().__init__(f"directory {digest} not found")

    def __str__(self) -> str:
        return str(self.args[0])


class ClosureError(DirectoryServiceError):
    """A set of directories that is not a complete closure in the required order.

    ``index`` is the position in the stream of the directory that broke the rule.
    """

    def __init__(self, reason: str, index: int | None = None):
        self.reason = reason
        self.index = index
        super().__init__(f"directory #{index}: {reason}" if index is not None else reason)


class CompositionError(CastoreError):
    """A service URL or a composition description that cannot be built; ``where`` names it."""

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")


class IngestionError(CastoreError):
    """A tree or an archive that cannot be imported; ``path`` is the offending entry."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")
