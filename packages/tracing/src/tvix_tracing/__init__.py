"""Logging, progress reporting and OpenTelemetry set-up shared by the Tvix commands."""

from tvix_tracing._version import __version__

__all__ = ["__version__"]
