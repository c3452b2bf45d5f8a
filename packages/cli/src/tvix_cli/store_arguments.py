"""The store a command evaluates against: the same flags (and environment variables) as
``tvix-store``, by default the embedded store that ``tvix-store`` and ``tvix-castore`` use.

The store is opened when first needed, not when the command starts: most evaluations never
touch it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tvix_store.services import Store

__all__ = ["add_store_arguments", "build_service_url", "store_opener"]

_FLAGS = (
    ("--blob-service-addr", "BLOB_SERVICE_ADDR", "blob service URL"),
    ("--directory-service-addr", "DIRECTORY_SERVICE_ADDR", "directory service URL"),
    ("--path-info-service-addr", "PATH_INFO_SERVICE_ADDR", "PathInfo service URL"),
)


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("store", "The store paths and derivations go to.")
    for flag, variable, what in _FLAGS:
        group.add_argument(
            flag, metavar="URL", help=f"The {what} (default: ${variable}, else the embedded store)."
        )
    group.add_argument(
        "--store-config",
        type=Path,
        metavar="FILE",
        help="A composition file (TOML or JSON) describing the services.",
    )
    group.add_argument(
        "--build-service-addr",
        metavar="URL",
        help="What builds derivations (bwrap://, dummy://; default: $BUILD_SERVICE_ADDR, "
        "else bwrap:// where bubblewrap is installed).",
    )


def build_service_url(args: argparse.Namespace) -> str:
    """The build service the arguments name: a sandbox on this machine by default, where
    bubblewrap is there to make one."""
    import shutil

    chosen = args.build_service_addr or os.environ.get("BUILD_SERVICE_ADDR")
    if chosen:
        return str(chosen)
    return "bwrap://" if shutil.which("bwrap") else "dummy://"


def store_opener(args: argparse.Namespace) -> Callable[[], Store]:
    """A function that opens the store the arguments name."""

    def open_store() -> Store:
        from tvix_store.services import StoreAddresses

        urls = [
            getattr(args, flag[2:].replace("-", "_")) or os.environ.get(variable)
            for flag, variable, _ in _FLAGS
        ]
        blob_url, directory_url, path_info_url = urls
        return StoreAddresses(blob_url, directory_url, path_info_url, args.store_config).open()

    return open_store
