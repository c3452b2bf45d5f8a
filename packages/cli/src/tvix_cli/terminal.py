"""Writing to the terminal as C++ Nix does: raw bytes (strings may hold bytes that are not
UTF-8), tabs expanded by its terminal filter, errors ending the command with status 1."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from tvix_eval.builtins.log import stderr_takes_colours, terminal_filter

__all__ = ["fail", "internal_error", "warn", "write_stdout"]


def _stderr(text: str) -> None:
    filtered = terminal_filter(text, stderr_takes_colours())
    sys.stderr.buffer.write(filtered.encode("utf-8", "surrogateescape") + b"\n")
    sys.stderr.flush()


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        _stderr(f"warning: {warning}")


def fail(message: str, status: int = 1) -> NoReturn:
    """Print an error (already rendered, ``error: ...``) and exit with ``status``."""
    _stderr(message)
    raise SystemExit(status)


def internal_error(error: BaseException) -> NoReturn:
    """A bug of ours: one line saying so, no traceback (unless ``TVIX_TRACEBACK`` is set)."""
    if os.environ.get("TVIX_TRACEBACK"):
        raise error
    fail(
        f"error: internal error in tvix ({type(error).__name__}: {error}); "
        "set TVIX_TRACEBACK=1 to see where, and please report it"
    )


def write_stdout(text: str, end: str = "\n") -> None:
    sys.stdout.buffer.write((text + end).encode("utf-8", "surrogateescape"))
    sys.stdout.flush()
