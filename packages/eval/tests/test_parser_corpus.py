"""nixpkgs' lib/: every file parses, and prints exactly as ``nix-instantiate --parse``
prints it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.printer import print_expr
from tvix_eval.syntax.source import Source

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "nixpkgs-lib"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"the nixpkgs lib/ corpus is not at {CORPUS}")
    # a copy under /tmp: the reference's sandbox does not see the shared folder
    root = tmp_path_factory.mktemp("corpus") / "nixpkgs-lib"
    shutil.copytree(CORPUS, root)
    return sorted(root.rglob("*.nix"))


def test_every_file_prints_as_the_reference(corpus: list[Path], oracle: Any) -> None:
    reference = oracle.run("nix-instantiate", "--parse", *corpus).stdout
    lines = reference.decode("utf-8", "surrogateescape").split("\n")
    assert len(lines) == len(corpus) + 1
    different = []
    for path, expected in zip(corpus, lines, strict=False):
        text = path.read_bytes().decode("utf-8", "surrogateescape")
        if print_expr(parse(Source(str(path), text, str(path)))) != expected:
            different.append(str(path))
    assert not different
