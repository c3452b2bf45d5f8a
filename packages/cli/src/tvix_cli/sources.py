"""Reading the Nix text a command works on: ``-E EXPR``, a file (a folder means its
``default.nix``), or ``-`` for standard input, named as C++ Nix names them in messages."""

from __future__ import annotations

import os
import sys

from tvix_eval.syntax.source import Source

__all__ = ["SourceUnreadable", "read_source"]


class SourceUnreadable(Exception):
    """The file could not be read; the message is C++ Nix's."""


def read_source(target: str | None, expr: str | None) -> Source:
    if expr is not None:
        return Source("«string»", expr)
    if target is None or target == "-":
        data = sys.stdin.buffer.read()
        return Source("«stdin»", data.decode("utf-8", "surrogateescape"))
    path = os.path.abspath(target)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        return read_source(os.path.join(target, "default.nix"), None)
    except OSError as error:
        raise SourceUnreadable(f"opening file '{path}': {error.strerror}") from None
    return Source(path, data.decode("utf-8", "surrogateescape"), path)
