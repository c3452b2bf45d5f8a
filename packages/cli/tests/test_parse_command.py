"""``tvix parse``: exit 0 and (with --dump) nix-instantiate --parse's text, or exit 1 with one
error in C++ Nix's format; never a traceback, whatever the input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Result, Tvix


@pytest.fixture
def run(tvix: Tvix) -> Tvix:
    """``run(*args)`` is ``tvix parse ARGS...``."""

    def parse(*args: str, input: bytes = b"") -> Result:
        return tvix("parse", *args, input=input)

    return parse


def test_valid_file_dumps_what_the_reference_prints(run: Tvix, oracle: Any, tmp_path: Path) -> None:
    file = tmp_path / "ok.nix"
    file.write_text('c: d: { a = ./x; b = "${c}"; inherit (d) e; f = g: -g; }\n')
    result = run("--dump", str(file))
    assert result.exit_code == 0
    assert result.stdout.rstrip("\n") == oracle.out("nix-instantiate", "--parse", file)


def test_valid_file_without_dump_prints_nothing(run: Tvix, tmp_path: Path) -> None:
    file = tmp_path / "ok.nix"
    file.write_text("1 + 2")
    result = run(str(file))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_standard_input(run: Tvix, oracle: Any) -> None:
    result = run("--dump", "-", input=b"x: x.y or 1")
    assert result.exit_code == 0
    reference = oracle.run("nix-instantiate", "--parse", "-", input=b"x: x.y or 1")
    assert result.stdout_bytes == reference.stdout


def test_syntax_error_as_the_reference_reports_it(run: Tvix, oracle: Any, tmp_path: Path) -> None:
    file = tmp_path / "bad.nix"
    file.write_text("let\n  a = 1;\n  b = ;\nin\n  a\n")
    result = run(str(file))
    assert result.exit_code == 1
    reference = oracle.run("nix-instantiate", "--parse", file, check=False)
    assert result.stderr == reference.stderr.decode()


@pytest.mark.parametrize("text", ["x: y", "{ a = y; map = x; }", "x: [ fetchGit (with x; y) ]"])
def test_undefined_variables_as_the_reference_reports_them(
    run: Tvix, oracle: Any, tmp_path: Path, text: str
) -> None:
    file = tmp_path / "vars.nix"
    file.write_text(text)
    result = run("--dump", str(file))
    reference = oracle.run("nix-instantiate", "--parse", file, check=False)
    assert (result.exit_code, result.stderr) == (reference.returncode, reference.stderr.decode())
    assert result.stdout_bytes == reference.stdout


@pytest.mark.parametrize(
    "text", ["\t\tx )", "  \tx )", "a\tb )", "\t )", "a\n\tx )", "x )\n\ty", "a\n\tb\n\tx )"]
)
def test_tabs_in_the_quoted_source(run: Tvix, oracle: Any, tmp_path: Path, text: str) -> None:
    file = tmp_path / "tabs.nix"
    file.write_text(text)
    result = run(str(file))
    reference = oracle.run("nix-instantiate", "--parse", file, check=False)
    assert result.stderr == reference.stderr.decode()


@pytest.mark.parametrize(
    "text",
    [
        "with {}; [ (f g or) [ g or ] (f (g or)) (x.a or g or) ]",
        "with {}; [ (f g or) (",
    ],
)
def test_cursed_or_warnings(run: Tvix, oracle: Any, tmp_path: Path, text: str) -> None:
    """``f or`` as an argument: C++ Nix warns that ``or`` will become a name there."""
    file = tmp_path / "or.nix"
    file.write_text(text)
    result = run("--dump", str(file))
    reference = oracle.run("nix-instantiate", "--parse", file, check=False)
    assert result.exit_code == reference.returncode
    assert result.stderr == reference.stderr.decode()
    assert result.stdout == reference.stdout.decode()


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--extra-experimental-features", "pipe-operators"],
        ["--option", "extra-experimental-features", "pipe-operators nope"],
        ["--experimental-features", "pipe-operators", "--option", "no-such-setting", "1"],
        ["--extra-experimental-features", "pipe-operators", "--experimental-features", ""],
    ],
    ids=["off", "extra", "option", "replaced", "replaced-again"],
)
def test_experimental_features_change_the_syntax(
    run: Tvix, oracle: Any, tmp_path: Path, flags: list[str]
) -> None:
    """The features are read as nix-instantiate reads them (warnings about names it does not
    know included): pipes parse only with pipe-operators."""
    file = tmp_path / "pipes.nix"
    file.write_text("x: x |> map (y: y) |> builtins.head")
    result = run("--dump", *flags, str(file))
    reference = oracle.run("nix-instantiate", "--parse", *flags, file, check=False)
    assert (result.exit_code, result.stderr) == (reference.returncode, reference.stderr.decode())
    assert result.stdout_bytes == reference.stdout


def test_missing_file(run: Tvix) -> None:
    result = run("/nonexistent/x.nix")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: opening file '/nonexistent/x.nix'")


@pytest.mark.parametrize("seed", range(5))
def test_binary_garbage_is_refused_cleanly(run: Tvix, seed: int, tmp_path: Path) -> None:
    """Any exception but SystemExit would escape ``run`` and fail the test."""
    file = tmp_path / "garbage.nix"
    file.write_bytes(os.urandom(2000) + bytes([seed]))
    result = run(str(file))
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stderr


def test_deep_nesting_in_a_real_process(tmp_path: Path) -> None:
    file = tmp_path / "deep.nix"
    depth = 100_000
    file.write_text("(" * depth + "[ 1 ]" + ")" * depth)
    result = subprocess.run(
        [sys.executable, "-m", "tvix_cli.main", "parse", "--dump", str(file)],
        capture_output=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, b"[ (1) ]\n", b"")
    nested = tmp_path / "lists.nix"
    nested.write_text("[" * 20_000 + "]" * 20_000)
    result = subprocess.run(
        [sys.executable, "-m", "tvix_cli.main", "parse", "--dump", str(nested)],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith(b"[ ([ ([ ")
