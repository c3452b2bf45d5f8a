"""``dummy://``: a build service that builds nothing, for stores and evaluations that must
not run anything; every request is refused, saying so."""

from __future__ import annotations

from tvix_build.errors import BuildError
from tvix_build.request import Build, BuildRequest

__all__ = ["DummyBuildService"]


class DummyBuildService:
    def do_build(self, request: BuildRequest) -> Build:
        raise BuildError(
            f"cannot run {request.command_args[0]!r}: the build service is dummy://, "
            "which builds nothing (choose one with --build-service-addr, e.g. bwrap://)"
        )

    def close(self) -> None:
        pass
