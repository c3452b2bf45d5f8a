"""``nix-compat nar``: make, unpack, list and read NARs, as ``nix-store --dump/--restore`` and
``nix nar ls/cat`` do."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from nix_compat.nar import cat, dump_path, dumps_listing, list_nar, lookup, ls_lines, restore


def register(sub: Any) -> None:
    parser = sub.add_parser("nar", help="make, unpack, list and read NAR archives")
    actions = parser.add_subparsers(dest="nar_command", required=True, metavar="ACTION")

    dump = actions.add_parser("dump", help="write the NAR of PATH to stdout (nix-store --dump)")
    dump.add_argument("path", metavar="PATH")
    dump.set_defaults(run=run_dump)

    unpack = actions.add_parser(
        "restore", help="unpack the NAR on stdin at DEST, which must not exist"
    )
    unpack.add_argument("dest", metavar="DEST")
    unpack.set_defaults(run=run_restore)

    ls = actions.add_parser(
        "ls",
        help="list a NAR's contents (by default recursively, as nix nar ls -R)",
        description="List the NAR in FILE ('-' for stdin) from PATH (default '/'), with the "
        "lines 'nix nar ls' prints; --json prints the binary cache '.ls' document instead.",
    )
    ls.add_argument("file", metavar="FILE")
    ls.add_argument("path", metavar="PATH", nargs="?", default="/")
    ls.add_argument(
        "-R",
        "--recursive",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="descend into subdirectories (the default)",
    )
    ls.add_argument("-l", "--long", action="store_true", help="show type, mode and size")
    ls.add_argument(
        "-d", "--directory", action="store_true", help="show a directory, not its entries"
    )
    ls.add_argument(
        "--json", action="store_true", help='print {"root": ..., "version": 1} as .ls files hold'
    )
    ls.set_defaults(run=run_ls)

    cat_parser = actions.add_parser(
        "cat", help="print the contents of the file at PATH in the NAR in FILE ('-': stdin)"
    )
    cat_parser.add_argument("file", metavar="FILE")
    cat_parser.add_argument("path", metavar="PATH")
    cat_parser.set_defaults(run=run_cat)


def run_dump(args: argparse.Namespace) -> int:
    with _stdout() as out:
        dump_path(args.path, out.write)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    # Nothing has been read from stdin: its unbuffered file lets the kernel copy contents.
    stdin = sys.stdin.buffer
    restore(stdin.raw if isinstance(stdin, io.BufferedReader) else stdin, args.dest)
    return 0


def run_ls(args: argparse.Namespace) -> int:
    with _open_nar(args.file) as nar:
        listing = list_nar(nar)
    with _stdout() as out:
        if args.json:
            out.write(dumps_listing(lookup(listing, args.path)).encode() + b"\n")
            return 0
        lines = ls_lines(
            listing,
            args.path,
            long=args.long,
            recursive=args.recursive,
            directory=args.directory,
        )
        for line in lines:
            out.write(line + b"\n")
    return 0


def run_cat(args: argparse.Namespace) -> int:
    with _open_nar(args.file) as nar, _stdout() as out:
        for chunk in cat(nar, args.path):
            out.write(chunk)
    return 0


@contextlib.contextmanager
def _open_nar(name: str) -> Iterator[BinaryIO]:
    if name == "-":
        yield sys.stdin.buffer
        return
    with open(name, "rb") as stream:
        yield stream


@contextlib.contextmanager
def _stdout() -> Iterator[BinaryIO]:
    """Binary stdout; a reader that goes away (``| head``) ends the command quietly."""
    out = sys.stdout.buffer
    try:
        yield out
        out.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so that the interpreter's last flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
        raise SystemExit(141) from None
