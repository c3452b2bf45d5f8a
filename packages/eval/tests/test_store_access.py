"""Paths put into strings go to the store through the evaluation's I/O (``EvalIO``), the one
door tvix-glue replaces: never the bare path text, which C++ Nix would not give either."""

from __future__ import annotations

from pathlib import Path

import pytest
from tvix_eval.errors import EvalError
from tvix_eval.evaluator import Evaluator
from tvix_eval.io import LocalIO
from tvix_eval.syntax.source import Source
from tvix_eval.value import context_of

STORED = "/nix/store/00000000000000000000000000000000-x"


class RecordingIO(LocalIO):
    """Local files, and a "store" that remembers what it was asked to copy."""

    def __init__(self) -> None:
        super().__init__()
        self.copied: list[str] = []

    def copy_to_store(self, path: str) -> str:
        self.copied.append(path)
        return STORED


def _evaluate(io: LocalIO, text: str, folder: Path) -> object:
    source = Source(str(folder / "x.nix"), text, str(folder / "x.nix"))
    return Evaluator(io).evaluate(source)


@pytest.mark.parametrize("text", ['"${./x}"', '"a" + ./x', '"${./x}/sub"'])
def test_without_a_store_a_path_in_a_string_is_an_error(text: str, tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x")
    with pytest.raises(EvalError, match="this evaluation has no store"):
        _evaluate(LocalIO(), text, tmp_path)


@pytest.mark.parametrize("text", ['"${./x}"', '"" + ./x'])
def test_a_path_in_a_string_is_copied_by_the_io_and_leaves_context(
    text: str, tmp_path: Path
) -> None:
    io = RecordingIO()
    value = _evaluate(io, text, tmp_path)
    assert io.copied == [str(tmp_path / "x")]
    assert value == STORED
    assert context_of(value) == frozenset({STORED})  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["toString ./x", "builtins.readFile ./x", "./x + \"y\""])
def test_what_does_not_copy_leaves_the_store_alone(text: str, tmp_path: Path) -> None:
    (tmp_path / "x").write_text("content")
    io = RecordingIO()
    _evaluate(io, text, tmp_path)
    assert io.copied == []
