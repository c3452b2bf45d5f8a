"""The ``tvix`` command line: help at every level, ``--version``, usage errors (status 2, a
message on stderr), repeatable ``--arg`` pairs, and sub-commands loaded only when they run."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from cli_harness import Tvix
from tvix_cli import __version__
from tvix_cli.main import COMMANDS


def _words(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces: help is wrapped to
    the terminal's width."""
    return " ".join(text.split())


@pytest.mark.parametrize("option", ["--help", "-h"])
def test_help_lists_every_command_with_its_summary(tvix: Tvix, option: str) -> None:
    result = tvix(option)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: tvix ")
    for name, (_, summary) in COMMANDS.items():
        assert _words(f"{name} {summary}") in _words(result.stdout)


@pytest.mark.parametrize("option", ["--help", "-h"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(tvix: Tvix, command: str, option: str) -> None:
    result = tvix(command, option)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"usage: tvix {command} ")
    assert _words(COMMANDS[command][1]) in _words(result.stdout)
    assert "-E EXPR" in result.stdout


def test_eval_help_shows_the_default_call_depth(tvix: Tvix) -> None:
    assert "(default: 10000)" in _words(tvix("eval", "--help").stdout)


def test_version(tvix: Tvix) -> None:
    result = tvix("--version")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        f"tvix, version {__version__}\n",
        "",
    )


def test_eval_without_an_expression_or_a_file_is_a_usage_error(tvix: Tvix) -> None:
    result = tvix("eval")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("usage: tvix eval ")
    assert "tvix eval: error: give an expression with -E, a file, or '-'" in result.stderr


@pytest.mark.parametrize(
    ("argv", "unknown"),
    [
        (["eval", "--bogus", "-E", "1"], "--bogus"),
        (["parse", "--bogus", "-E", "1"], "--bogus"),
        (["--bogus", "eval", "-E", "1"], "--bogus"),
        # No abbreviations, as with C++ Nix: --str is not --strict.
        (["eval", "--str", "-E", "1"], "--str"),
    ],
)
def test_an_unknown_option_is_a_usage_error(tvix: Tvix, argv: list[str], unknown: str) -> None:
    result = tvix(*argv)
    assert (result.exit_code, result.stdout) == (2, "")
    assert f"error: unrecognized arguments: {unknown}\n" in result.stderr


@pytest.mark.parametrize("argv", [[], ["nope"], ["eval", "--arg", "a"], ["eval", "-E"]])
def test_a_missing_or_unknown_command_or_value_is_a_usage_error(
    tvix: Tvix, argv: list[str]
) -> None:
    result = tvix(*argv)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("usage: tvix")
    assert "error: " in result.stderr


@pytest.mark.parametrize(
    ("argv", "printed"),
    [
        (["--arg", "a", "1", "--arg", "b", "2", "-E", "{a, b}: a + b"], "3\n"),
        (["--argstr", "a", "x", "--argstr", "b", "y", "-E", "{a, b}: a + b"], '"xy"\n'),
        (
            ["--arg", "a", "1", "--argstr", "b", "y", "--strict", "-E", "{a, b}: [a b]"],
            '[ 1 "y" ]\n',
        ),
    ],
)
def test_arguments_are_repeatable_pairs(tvix: Tvix, argv: list[str], printed: str) -> None:
    result = tvix("eval", *argv)
    assert (result.exit_code, result.stdout, result.stderr) == (0, printed, "")


@pytest.mark.parametrize(
    "argv",
    [
        ["--argstr", "a", "-v", "-E", "{a}: a"],
        ["--argstr", "a", "--strict", "--strict", "-E", "{a}: a"],
        ["--argstr", "a", "--", "-E", "{a}: a"],
        ["--arg", "a", "-1", "-E", "{a}: a"],
        ["--arg", "a", "-(1)", "-E", "{a}: a"],
        ["-I", "-x=/", "-E", "<-x>"],
    ],
)
def test_option_values_starting_with_a_dash_are_values(
    tvix: Tvix, oracle: Any, argv: list[str]
) -> None:
    """As C++ Nix reads them: what follows an option that takes values is its values."""
    result = tvix("eval", *argv)
    reference = oracle.run("nix-instantiate", "--eval", *argv)
    assert (result.exit_code, result.stdout) == (0, reference.stdout.decode())


@pytest.mark.parametrize(
    "argv",
    [
        ["--argstr", "a", "x", "--arg", "a", "1"],
        ["--arg", "a", "1", "--argstr", "a", "x"],
        ["--arg", "a", "1 +", "--argstr", "a", "x"],  # overridden: never parsed
        ["--arg", "a", "1", "--arg", "a", "2", "--argstr", "b", "y"],
    ],
)
def test_the_last_argument_of_a_name_counts(tvix: Tvix, oracle: Any, argv: list[str]) -> None:
    expr = "{ a, b ? 0 }: [ a b ]"
    result = tvix("eval", "--strict", *argv, "-E", expr)
    reference = oracle.run("nix-instantiate", "--eval", "--strict", *argv, "-E", expr)
    assert (result.exit_code, result.stdout) == (0, reference.stdout.decode())


#: Runs ``tvix ARGV`` in a fresh process, then prints the modules it loaded on stderr.
_LIST_MODULES = """
import sys
from tvix_cli.main import main
try:
    main(sys.argv[1:])
finally:
    print(*sys.modules, file=sys.stderr)
"""


def _modules_loaded(*argv: str) -> set[str]:
    """The modules a real ``tvix ARGV`` process loads (``-X importtime`` would miss those
    imported with :func:`importlib.import_module`)."""
    result = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES, *argv], capture_output=True, text=True, check=True
    )
    return set(result.stderr.split())


@pytest.mark.parametrize(
    ("argv", "loaded", "not_loaded"),
    [
        (["--help"], set(), {"tvix_cli.eval", "tvix_cli.parse"}),
        (["eval", "-E", "null"], {"tvix_cli.eval"}, {"tvix_cli.parse", "click"}),
        (["parse", "-E", "null"], {"tvix_cli.parse"}, {"tvix_cli.eval", "click"}),
    ],
)
def test_only_the_command_that_runs_is_loaded(
    argv: list[str], loaded: set[str], not_loaded: set[str]
) -> None:
    """Start-up is a large share of a short evaluation (see tvix_cli.main)."""
    modules = _modules_loaded(*argv)
    assert loaded <= modules
    assert not (not_loaded & modules)


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    """``tvix eval ... | head``: status 0 and nothing on stderr, as with C++ Nix. The output
    (1.4 MB) is more than a pipe holds, so writing it meets the closed pipe."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tvix_cli.main", "eval", "-E", "builtins.genList (x: x) 200000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10) == b"[ <CODE> <"
    process.stdout.close()
    assert process.stderr.read() == b""
    assert process.wait() == 0
