"""The compile cache: a file compiled once is loaded from disk the next time, with the same
value and the same error positions and function names; a changed file, a damaged entry or a
cache turned off never give a stale or a failed answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from tvix_eval import compile_cache
from tvix_eval.builtins.control import deep_force
from tvix_eval.errors import EvalError
from tvix_eval.evaluator import Evaluator
from tvix_eval.printer import print_value
from tvix_eval.syntax.source import Source

PROGRAM = """
let
  f = { a, b ? 2 }: a + b;
  xs = builtins.genList (i: { inherit i; pos = builtins.unsafeGetAttrPos "i" { inherit i; }; }) 2;
in { sum = f { a = 1; }; inherit xs; path = ./.; }
"""


def _source(path: Path) -> Source:
    return Source(str(path), path.read_text(), str(path))


def _value(path: Path) -> str:
    printed = Evaluator().evaluate(
        _source(path), then=lambda v: print_value(deep_force(v), strict=True)
    )
    return str(printed)


def _error(path: Path) -> str:
    with pytest.raises(EvalError) as caught:
        Evaluator().evaluate(_source(path), then=deep_force)
    return caught.value.render(show_trace=True)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(compile_cache.CACHE_ENV, str(directory))
    return directory


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file())


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every compilation from source from now on."""
    import tvix_eval.compiler as compiler

    seen: list[str] = []
    real = compiler.compile_expr

    def counting(tree, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(source.name)
        return real(tree, source, *args, **kwargs)

    monkeypatch.setattr(compiler, "compile_expr", counting)
    return seen


def test_second_evaluation_loads_the_compiled_file(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "p.nix"
    program.write_text(PROGRAM)
    first = _value(program)
    assert len(_entries(cache)) == 1
    compiled = _compiles(monkeypatch)
    assert _value(program) == first
    assert compiled == []


def test_errors_from_cached_code_read_the_same(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "e.nix"
    program.write_text("let f = { a }: a; g = x: f x; in\n  g { b = 1; }\n")
    first = _error(program)
    compiled = _compiles(monkeypatch)
    assert _error(program) == first
    assert compiled == []
    assert "function 'f' called without required argument 'a'" in first
    assert "while calling 'g'" in first


def test_a_changed_file_is_compiled_again(cache: Path, tmp_path: Path) -> None:
    program = tmp_path / "c.nix"
    program.write_text("1 + 1")
    assert _value(program) == "2"
    program.write_text("2 + 2")
    assert _value(program) == "4"
    assert len(_entries(cache)) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:40] + bytes(64) + data[104:],
        lambda data: b"garbage" * 10,
    ],
    ids=["empty", "truncated", "zeroed", "garbage"],
)
def test_a_damaged_entry_is_compiled_again_and_replaced(
    cache: Path, tmp_path: Path, damage: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "d.nix"
    program.write_text(PROGRAM)
    first = _value(program)
    (entry,) = _entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert _value(program) == first
    compiled = _compiles(monkeypatch)
    assert _value(program) == first
    assert compiled == []


def test_an_entry_of_another_key_under_the_same_name_is_not_used(
    cache: Path, tmp_path: Path
) -> None:
    # Entries are named by a checksum of their key: two keys may share a name, and the
    # entry's own copy of its key tells them apart.
    first, second = tmp_path / "a.nix", tmp_path / "b.nix"
    first.write_text("[ 1 ]")
    second.write_text("[ 2 ]")
    assert _value(first) == "[ 1 ]"
    (entry_of_first,) = _entries(cache)
    assert _value(second) == "[ 2 ]"
    (entry_of_second,) = (e for e in _entries(cache) if e != entry_of_first)
    entry_of_second.write_bytes(entry_of_first.read_bytes())
    assert _value(second) == "[ 2 ]"


def test_cache_turned_off_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(compile_cache.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    program = tmp_path / "o.nix"
    program.write_text("1")
    assert _value(program) == "1"
    assert not (tmp_path / "xdg").exists()


def test_an_unwritable_cache_is_not_an_error(cache: Path, tmp_path: Path) -> None:
    cache.write_text("a file where the directory should be")
    program = tmp_path / "u.nix"
    program.write_text("[ 1 2 ]")
    assert _value(program) == "[ 1 2 ]"


def test_text_that_is_not_a_file_is_not_cached(cache: Path) -> None:
    Evaluator().evaluate(Source("«string»", "1 + 1"))
    assert not cache.exists()


def test_trimming_removes_the_oldest_entries_first(cache: Path, tmp_path: Path) -> None:
    import os

    for i in range(8):
        program = tmp_path / f"t{i}.nix"
        program.write_text(f"[ {i} ]")
        _value(program)
    entries = _entries(cache)
    assert len(entries) == 8
    by_age = sorted(entries, key=lambda p: p.stat().st_mtime)
    for age, entry in enumerate(by_age):  # make the order unambiguous
        os.utime(entry, (1_000_000 + age, 1_000_000 + age))
    size = sum(p.stat().st_size for p in entries)
    compile_cache.trim(cache, limit=size - 1)
    kept = _entries(cache)
    assert kept == sorted(by_age[len(by_age) - len(kept) :])
    assert sum(p.stat().st_size for p in kept) <= (size - 1) * 3 // 4
    compile_cache.trim(cache, limit=size)  # under the limit: nothing to do
    assert _entries(cache) == kept
    assert _value(tmp_path / "t0.nix") == "[ 0 ]"  # a trimmed entry is compiled again


def test_syntax_features_are_part_of_the_key(cache: Path, tmp_path: Path) -> None:
    """A file compiled with pipe operators is refused without them, and one with a URL
    literal is refused with no-url-literals, cache or not; other features share an entry."""
    pipes = tmp_path / "pipes.nix"
    pipes.write_text("1 |> (x: x + 1)")
    url = tmp_path / "url.nix"
    url.write_text("http://example.org/x")

    def value(path: Path, *features: str) -> str:
        evaluator = Evaluator(experimental_features=features)
        return str(evaluator.evaluate(_source(path), then=lambda v: print_value(v, strict=True)))

    def refusal(path: Path, *features: str) -> str:
        with pytest.raises(EvalError) as caught:
            value(path, *features)
        return caught.value.message

    assert value(pipes, "pipe-operators") == "2"
    assert "experimental Nix feature 'pipe-operators' is disabled" in refusal(pipes)
    assert value(url) == '"http://example.org/x"'
    assert refusal(url, "no-url-literals") == "URL literals are disabled"
    assert value(url, "flakes", "nix-command") == '"http://example.org/x"'
    assert len(_entries(cache)) == 2
