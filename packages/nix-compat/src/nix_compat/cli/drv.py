"""``nix-compat drv``: show ``.drv`` files as ``nix derivation show`` does, and check them.

A ``.drv`` outside a store is found by its file; its input derivations are looked up by their
store base names (``<hash>-<name>.drv``) in the folder of the file, or in ``--drv-dir``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from nix_compat.derivation import (
    DRV_EXTENSION,
    Derivation,
    DerivationHasher,
    check_derivation,
    derivation_path,
    drv_name_from_path,
    parse_aterm,
    show_json,
)
from nix_compat.errors import DerivationError, StorePathError
from nix_compat.store_path import DEFAULT_STORE_DIR, StorePath


def register(sub: Any) -> None:
    parser = sub.add_parser("drv", help="show and check derivations (.drv files)")
    actions = parser.add_subparsers(dest="drv_command", required=True, metavar="ACTION")

    show = actions.add_parser("show", help="print derivations as JSON (nix derivation show)")
    _add_common(show)
    show.add_argument(
        "-r", "--recursive", action="store_true", help="also show every input derivation"
    )
    show.set_defaults(run=run_show)

    check = actions.add_parser(
        "check", help="re-derive output paths and the .drv path, and compare"
    )
    _add_common(check)
    check.set_defaults(run=run_check)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE.drv")
    parser.add_argument(
        "--drv-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="where input derivations are (by store base name); default: each file's folder",
    )
    parser.add_argument("--store-dir", default=DEFAULT_STORE_DIR, help="the store directory")


class DrvFiles:
    """Reads ``.drv`` files, and finds input derivations by base name in some folders."""

    def __init__(self, dirs: list[str], store_dir: str) -> None:
        self.dirs = [Path(d) for d in dirs]
        self.store_dir = store_dir

    def read(self, file: Path, store_path: StorePath | None) -> Derivation:
        name = drv_name_from_path(store_path) if store_path is not None else None
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise DerivationError(f"derivation file '{file}' does not exist") from None
        try:
            return parse_aterm(data, name=name, store_dir=self.store_dir)
        except DerivationError as e:
            raise DerivationError(f"in '{file}': {e}") from None

    def load(self, path: StorePath) -> Derivation:
        for folder in self.dirs:
            candidate = folder / path.base_name
            if candidate.is_file():
                return self.read(candidate, path)
        where = ", ".join(f"'{d}'" for d in self.dirs) or "no folder"
        raise DerivationError(
            f"input derivation '{path.to_absolute_path(self.store_dir)}' not found "
            f"(looked for '{path.base_name}' in {where})",
            field="inputDrvs",
        )


def _store_path_of(file: Path) -> StorePath | None:
    """The store path a file's name claims (``<hash>-<name>.drv``), if it claims one."""
    if not file.name.endswith(DRV_EXTENSION):
        return None
    try:
        return StorePath.from_base_name(file.name)
    except StorePathError:
        return None


def _files_for(args: argparse.Namespace, file: Path) -> DrvFiles:
    dirs = args.drv_dir or [os.fspath(file.parent)]
    return DrvFiles(dirs, args.store_dir)


def run_show(args: argparse.Namespace) -> int:
    shown: dict[StorePath, Derivation] = {}
    for name in args.files:
        file = Path(name)
        files = _files_for(args, file)
        claimed = _store_path_of(file)
        drv = files.read(file, claimed)
        path = claimed if claimed is not None else derivation_path(drv, args.store_dir)
        shown[path] = drv
        if args.recursive:
            _add_closure(files, drv, shown)
    sys.stdout.write(show_json(shown, args.store_dir) + "\n")
    sys.stdout.flush()
    return 0


def _add_closure(files: DrvFiles, drv: Derivation, shown: dict[StorePath, Derivation]) -> None:
    pending = list(drv.input_drvs)
    while pending:
        path = pending.pop()
        if path in shown:
            continue
        shown[path] = files.load(path)
        pending.extend(shown[path].input_drvs)


def run_check(args: argparse.Namespace) -> int:
    for name in args.files:
        file = Path(name)
        files = _files_for(args, file)
        claimed = _store_path_of(file)
        drv = files.read(file, claimed)
        hasher = DerivationHasher(files.load, args.store_dir)
        check_derivation(drv, hasher, drv_path=claimed, store_dir=args.store_dir)
        path = claimed if claimed is not None else derivation_path(drv, args.store_dir)
        note = "" if claimed is not None else " (file name is not <hash>-<name>.drv: path computed)"
        print(f"ok: {path.to_absolute_path(args.store_dir)}{note}")
    sys.stdout.flush()
    return 0
