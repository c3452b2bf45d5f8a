"""Reading the Nix text a command works on: ``-E EXPR``, a file (a folder means its
``default.nix``), or ``-`` for standard input, named as C++ Nix names them in messages.

The command-line arguments that choose it are declared here too, next to what reads them, so
that every command takes them alike."""

from __future__ import annotations

import argparse
import os
import sys

from tvix_eval.syntax.source import Source

__all__ = ["SourceUnreadable", "add_source_arguments", "read_source"]


def add_source_arguments(parser: argparse.ArgumentParser, expr_help: str) -> None:
    """Add ``-E EXPR`` and the optional ``FILE|-``, read by ``read_source(args.target,
    args.expr)``; whether one of them is required is the command's choice."""
    parser.add_argument("-E", "--expr", help=expr_help)
    parser.add_argument(
        "target",
        nargs="?",
        metavar="FILE|-",
        help="The file to read ('-' for standard input; a folder means its default.nix).",
    )


class SourceUnreadable(Exception):
    """The file could not be read; the message is C++ Nix's."""


def read_source(target: str | None, expr: str | None) -> Source:
    """The text of ``-E`` if given, else of the file (standard input for none or ``-``)."""
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
