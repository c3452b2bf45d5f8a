"""``nix-compat hash``: hash files and trees, and convert hashes between spellings."""

from __future__ import annotations

import argparse
import base64
import sys
from typing import Any

from nix_compat import nixbase32
from nix_compat.hash import HashFormat, NixHash, compress_hash, hasher
from nix_compat.nar import hash_path
from nix_compat.nar.format import CHUNK_SIZE

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

    # ``nix-hash`` and its defaults: md5, base16.
    for name, run, what in (
        ("path", run_path, "hash the NAR of each PATH (nix-hash)"),
        ("file", run_file, "hash the contents of each file (nix-hash --flat)"),
    ):
        action = actions.add_parser(name, help=what)
        action.add_argument(
            "--type",
            "--algo",
            dest="algo",
            default="md5",
            help="md5 (default), sha1, sha256 or sha512",
        )
        action.add_argument(
            "--truncate", action="store_true", help="fold the hash to 160 bits, as store paths do"
        )
        add_format_flags(action, "base16")
        action.add_argument("paths", nargs="+", metavar="PATH")
        action.set_defaults(run=run)


def add_format_flags(parser: argparse.ArgumentParser, default: str) -> None:
    """The ``--base16/--base32/--base64/--sri`` switches shared by hashing commands.

    As in C++ Nix, they may be repeated and the last one wins.
    """
    for flag in FORMAT_FLAGS:
        parser.add_argument(f"--{flag}", dest="format", action="store_const", const=flag)
    parser.set_defaults(format=default)


def run_convert(args: argparse.Namespace) -> int:
    fmt = HashFormat.from_name(args.to)
    for text in args.hashes:
        print(NixHash.parse(text, args.algo).format(fmt))
    sys.stdout.flush()
    return 0


def run_path(args: argparse.Namespace) -> int:
    for path in args.paths:
        print(_format(hash_path(path, args.algo).hash, args.format, args.truncate))
    sys.stdout.flush()
    return 0


def run_file(args: argparse.Namespace) -> int:
    for path in args.paths:
        h = hasher(args.algo)
        with open(path, "rb") as stream:
            while chunk := stream.read(CHUNK_SIZE):
                h.update(chunk)
        print(_format(NixHash(args.algo, h.digest()), args.format, args.truncate))
    sys.stdout.flush()
    return 0


def _format(nix_hash: NixHash, flag: str, truncate: bool) -> str:
    """Print as ``nix-hash`` does; ``--truncate`` folds the digest to 20 bytes first."""
    fmt = FORMAT_FLAGS[flag]
    if not truncate:
        return nix_hash.format(fmt)
    digest = compress_hash(nix_hash.digest, 20)
    if fmt is HashFormat.BASE16:
        return digest.hex()
    if fmt is HashFormat.NIX32:
        return nixbase32.encode(digest)
    encoded = base64.b64encode(digest).decode("ascii")
    return f"{nix_hash.algo}-{encoded}" if fmt is HashFormat.SRI else encoded
