"""import and scopedImport (made by the evaluator) against the reference, on fixture files:
values, the import cache, and the traces of files that fail to parse or evaluate."""

from __future__ import annotations

import importlib
from pathlib import Path

H = importlib.import_module("builtins_harness")


def _fixtures(folder: Path) -> None:
    (folder / "a.nix").write_text("{ x = 1; f = y: y + 1; }")
    (folder / "scoped.nix").write_text("x + y")
    (folder / "d").mkdir()
    (folder / "d" / "default.nix").write_text("42")
    (folder / "rel.nix").write_text("import ./a.nix")
    (folder / "bad.nix").write_text("1 +")
    (folder / "err.nix").write_text("builtins.head 1")


VALUES = [
    "import {dir}/a.nix",
    "(import {dir}/a.nix).f 2",
    "import {dir}/d",
    'import "{dir}/a.nix"',
    "import {dir}/rel.nix",
    'import { outPath = "{dir}/a.nix"; }',
    "builtins.scopedImport { x = 1; y = 2; } {dir}/scoped.nix",
    "builtins.scopedImport { } {dir}/a.nix",
    "scopedImport { x = 1; y = 2; } {dir}/scoped.nix",
    "let a = import {dir}/a.nix; b = import {dir}/a.nix; in a == b",
    "builtins.typeOf import",
    "builtins.import {dir}/d",
]

FULL = [
    "builtins.scopedImport 1 {dir}/scoped.nix",
    "import {dir}/nope.nix",
    "builtins.scopedImport { x = 1; } {dir}/scoped.nix",
    "import {dir}/bad.nix",
    "import {dir}/err.nix",
    "import 1",
    'import "rel"',
    'import (throw "x")',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL, setup=_fixtures)
