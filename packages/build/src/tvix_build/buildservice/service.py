"""The build service interface: every backend (``bwrap://``, ``dummy://``; gRPC, OCI, and
later gVisor or a VM) runs a request and answers with a Build, or raises a BuildError."""

from __future__ import annotations

from typing import Protocol

from tvix_build.request import Build, BuildRequest

__all__ = ["BuildService"]


class BuildService(Protocol):
    def do_build(self, request: BuildRequest) -> Build:
        """Run ``request``; its outputs are in the service's castore when this returns.
        BuildFailed when the builder fails or does not produce an output."""
        ...

    def close(self) -> None:
        """Release what the service holds."""
        ...
