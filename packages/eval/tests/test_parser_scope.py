"""Undefined variables refused at parse time, as ``nix-instantiate --parse`` refuses them, and
the start-up symbols and base environment that decide it, read back from the reference."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tvix_eval.errors import ParseError
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.source import Source
from tvix_eval.syntax.symbols import BASE_NAMES, STARTUP_SYMBOLS

#: Code with undefined variables: several, to see which one is reported first.
UNDEFINED = [
    "x: y",
    "let a = b; in a",
    "let a = y; b = x; in 1",
    "let a = y; map = x; in 1",
    "{ a = y; value = x; }",
    "{ toString = y; map = x; }",
    "{ a = y; drvAttrs = x; }",
    "rec { b = x; ${z} = y; }",
    "{ ${x} = 1; a = y; }",
    "{ a = b; b = 1; }",
    "{ inherit a; }",
    "let inherit a; in 1",
    "a: { inherit (y) a; inherit x; }",
    "let inherit (y) a; inherit x; in 1",
    "{ b ? x, a ? y }: 1",
    "{ a ? y, map ? x }: 1",
    "a@{ b ? a, c ? d }: 1",
    "x.${y} or z",
    "a: a.${c} or d",
    "x ? ${y}",
    "x > y",
    "x <= y",
    "x >= y",
    "x - y",
    '"${x}" + y',
    "./${x}/${y}",
    "let { body = x; a = y; }",
    "let x = 1; in with y; z",
    "[ x y ]",
    "(-x)",
    "if x then y else z",
    "assert x; y",
    "{ x, y ? x }: z",
    "x: __map",
    "x: fetchurl",
]

#: Code whose names are all defined: by the base environment, a ``with``, or the code.
DEFINED = [
    "x: with x; y",
    "with {}; [ a b ]",
    "x: [ __curPos derivation fetchGit __getFlake __fetchurl __foldl' map ]",
    "let __sub = 1; __findFile = 2; in [ (x: x - 1) <a> ]",
    "rec { a = b; b = 1; }",
    "{ a, b ? a }: b",
]


def _reference(oracle: Any, file: Path) -> str:
    result = oracle.run("nix-instantiate", "--parse", file, check=False)
    if result.returncode == 0:
        return "(accepted)"
    lines = result.stderr.decode("utf-8", "surrogateescape").splitlines()
    return "\n".join(lines[:2])


def _ours(file: Path) -> str:
    try:
        parse(Source(str(file), file.read_text(), str(file)))
    except ParseError as error:
        return "\n".join(error.render().splitlines()[:2])
    return "(accepted)"


def test_undefined_variables_as_the_reference_reports_them(
    oracle: Any, tmp_path: Path
) -> None:
    files = []
    for i, text in enumerate(UNDEFINED + DEFINED):
        file = tmp_path / f"case{i}.nix"
        file.write_text(text)
        files.append(file)
    with ThreadPoolExecutor(4) as pool:
        references = list(pool.map(lambda f: _reference(oracle, f), files))
    failures = [
        f"{text!r}: we say {_ours(file)!r}, the reference {reference!r}"
        for text, file, reference in zip(UNDEFINED + DEFINED, files, references, strict=True)
        if _ours(file) != reference
    ]
    assert not failures, "\n".join(failures)


def test_no_check_without_names() -> None:
    tree = parse(Source("«string»", "x: y"), names=None)
    assert tree is not None
    with pytest.raises(ParseError, match="undefined variable 'z'"):
        parse(Source("«string»", "x: [ x y z ]"), names={"y"})


def test_deep_nesting_is_checked_without_recursion() -> None:
    depth = 20_000
    with pytest.raises(ParseError, match="undefined variable 'y'"):
        parse(Source("«string»", "x: " + "[" * depth + "x y" + "]" * depth))


def test_base_names_are_the_references(oracle: Any, tmp_path: Path) -> None:
    """A ``with`` defines each builtin's name and ``__`` name as a marker: those the base
    environment defines are not the marker (it wins over every ``with``)."""
    names = oracle.out("nix-instantiate", "--eval", "--json", "-E", "builtins.attrNames builtins")
    builtins = json.loads(names)
    candidates = sorted({*builtins, *(f"__{name}" for name in builtins)})
    probe = " ".join(f'"{name}" = "marker";' for name in candidates)
    answers = " ".join(f'(if {name} != "marker" then "{name}" else null)' for name in candidates)
    file = tmp_path / "probe.nix"
    file.write_text(f"with {{ {probe} }}; builtins.filter (x: x != null) [ {answers} ]")
    bound = json.loads(oracle.out("nix-instantiate", "--eval", "--strict", "--json", file))
    assert set(bound) == BASE_NAMES


def test_startup_symbols_are_in_the_references_order(oracle: Any, tmp_path: Path) -> None:
    """``deepSeq`` forces a set's attributes in the order of their symbols: traced, they
    show it; a name the code interns comes after all of C++ Nix's own."""
    names = [*STARTUP_SYMBOLS, "notInternedBefore"]
    listed = " ".join(json.dumps(name) for name in reversed(names))
    file = tmp_path / "order.nix"
    file.write_text(
        "builtins.deepSeq (builtins.mapAttrs (n: builtins.trace n) (builtins.listToAttrs "
        f"(map (n: {{ name = n; value = 1; }}) [ {listed} ]))) null"
    )
    result = oracle.run("nix-instantiate", "--eval", file)
    traced = [
        line.removeprefix("trace: ").removeprefix("trace:")
        for line in result.stderr.decode().splitlines()
    ]
    assert traced == names
