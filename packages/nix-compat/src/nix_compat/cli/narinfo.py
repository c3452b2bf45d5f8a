"""``nix-compat narinfo``: read, check, sign and verify ``.narinfo`` files."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from nix_compat.errors import NarInfoError, SignatureError
from nix_compat.hash import HashFormat
from nix_compat.narinfo import NarInfo
from nix_compat.signing import SigningKey, VerifyingKey
from nix_compat.store_path import DEFAULT_STORE_DIR


def register(sub: Any) -> None:
    parser = sub.add_parser("narinfo", help="read, sign and verify .narinfo files")
    actions = parser.add_subparsers(dest="narinfo_command", required=True, metavar="ACTION")

    show = actions.add_parser("show", help="check a narinfo and print it as C++ Nix writes it")
    _add_file(show)
    show.add_argument(
        "--json", action="store_true", help="print what 'nix path-info --json' shows for it"
    )
    show.set_defaults(run=run_show)

    fingerprint = actions.add_parser("fingerprint", help="print the text its signatures sign")
    _add_file(fingerprint)
    fingerprint.set_defaults(run=run_fingerprint)

    verify = actions.add_parser("verify", help="check its signatures against public keys")
    _add_file(verify)
    verify.add_argument(
        "--key", action="append", default=[], metavar="NAME:BASE64", help="a trusted public key"
    )
    verify.add_argument(
        "--key-file", action="append", default=[], type=Path, help="a file holding a public key"
    )
    verify.set_defaults(run=run_verify)

    sign = actions.add_parser("sign", help="add a signature made with a secret key")
    _add_file(sign)
    sign.add_argument("--key-file", required=True, type=Path, help="the secret key file")
    sign.add_argument(
        "--in-place", action="store_true", help="rewrite FILE instead of printing the result"
    )
    sign.set_defaults(run=run_sign)


def _add_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the .narinfo file, or - for stdin")
    parser.add_argument(
        "--store-dir", default=DEFAULT_STORE_DIR, help="the store directory (/nix/store)"
    )


def _read(args: argparse.Namespace) -> NarInfo:
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    try:
        return NarInfo.parse(data, args.store_dir)
    except NarInfoError as e:
        raise NarInfoError(f"narinfo '{args.file}' is corrupt: {e}") from None


def path_info_json(info: NarInfo) -> dict[str, Any]:
    """The object ``nix path-info --json --store <binary cache>`` prints for one path."""
    store_dir = info.store_dir
    return {
        "ca": info.ca.render() if info.ca else None,
        "compression": info.compression,
        "deriver": info.deriver.to_absolute_path(store_dir) if info.deriver else None,
        **({"downloadHash": info.file_hash.to_sri()} if info.file_hash else {}),
        **({"downloadSize": info.file_size} if info.file_size else {}),
        "narHash": info.nar_hash.format(HashFormat.SRI),
        "narSize": info.nar_size,
        "references": sorted(r.to_absolute_path(store_dir) for r in info.references),
        "registrationTime": None,
        "signatures": sorted(str(s) for s in info.signatures),
        "ultimate": False,
        "url": info.url,
    }


def run_show(args: argparse.Namespace) -> int:
    info = _read(args)
    if args.json:
        path = info.store_path.to_absolute_path(info.store_dir)
        print(json.dumps({path: path_info_json(info)}, separators=(",", ":"), sort_keys=True))
    else:
        sys.stdout.write(info.to_string())
    return 0


def run_fingerprint(args: argparse.Namespace) -> int:
    print(_read(args).fingerprint())
    return 0


def run_verify(args: argparse.Namespace) -> int:
    keys = [VerifyingKey.parse(text) for text in args.key]
    keys += [VerifyingKey.parse(path.read_text()) for path in args.key_file]
    if not keys:
        raise SignatureError("no public key given (use --key NAME:BASE64 or --key-file FILE)")
    info = _read(args)
    good = info.valid_signatures(keys)
    if not good:
        raise SignatureError(
            f"'{info.store_path.to_absolute_path(info.store_dir)}' has no valid signature "
            f"from the given keys ({', '.join(k.name for k in keys)})"
        )
    for signature in good:
        print(f"good signature by '{signature.key_name}'")
    return 0


def run_sign(args: argparse.Namespace) -> int:
    key = SigningKey.parse(args.key_file.read_text())
    signed = _read(args).sign(key).to_string()
    if not args.in_place:
        sys.stdout.write(signed)
        return 0
    if args.file == "-":
        raise SignatureError("--in-place needs a FILE, not standard input")
    _replace(Path(args.file), signed)
    return 0


def _replace(path: Path, text: str) -> None:
    """Write beside ``path``, then rename over it, so a failure leaves the old file whole."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
