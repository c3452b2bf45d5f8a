"""``nix-compat hash``: hash files and trees, and convert hashes between spellings."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nix_compat.hash import HashFormat, NixHash

FORMAT_FLAGS = {
    "base16": HashFormat.BASE16,
    "base32": HashFormat.NIX32,
    "base64": HashFormat.BASE64,
    "sri": HashFormat.SRI,
}


def register(sub: Any) -> None:
    parser = sub.add_parser("hash", help="compute and convert Nix hashes")
    actions = parser.add_subparsers(dest="hash_command", required=True, metavar="ACTION")

    convert = actions.add_parser("convert", help="rewrite hashes in another format")
    convert.add_argument("--to", default="sri", help="base16, nix32 (base32), base64 or sri")
    convert.add_argument("--hash-algo", "--type", dest="algo", help="algorithm of bare hashes")
    convert.add_argument("hashes", nargs="+", metavar="HASH")
    convert.set_defaults(run=run_convert)


def add_format_flags(parser: argparse.ArgumentParser, default: str) -> None:
    """The ``--base16/--base32/--base64/--sri`` switches shared by hashing commands."""
    group = parser.add_mutually_exclusive_group()
    for flag in FORMAT_FLAGS:
        group.add_argument(f"--{flag}", dest="format", action="store_const", const=flag)
    parser.set_defaults(format=default)


def run_convert(args: argparse.Namespace) -> int:
    fmt = HashFormat.from_name(args.to)
    for text in args.hashes:
        print(NixHash.parse(text, args.algo).format(fmt))
    sys.stdout.flush()
    return 0
