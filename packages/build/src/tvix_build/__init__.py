"""Build requests and build services (sandboxed, gRPC) for Tvix."""

from tvix_build._version import __version__

__all__ = ["__version__"]
