"""The errors tvix-build raises on purpose: one hierarchy, each saying what and where."""

from __future__ import annotations

__all__ = ["BuildError", "BuildFailed", "RequestError"]


class BuildError(Exception):
    """Base of every error tvix-build raises on purpose."""


class RequestError(BuildError, ValueError):
    """A BuildRequest that breaks the protocol's rules; ``field`` names the field concerned
    (``scratch_paths[1]``)."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"invalid BuildRequest: {field}: {reason}")


class BuildFailed(BuildError):
    """The build ran and failed: the builder's exit (``status``: its exit code, or minus the
    signal that killed it), or an output it did not produce; ``log`` is what it printed."""

    def __init__(self, reason: str, *, status: int | None = None, log: bytes = b""):
        self.reason = reason
        self.status = status
        self.log = log
        super().__init__(reason)
