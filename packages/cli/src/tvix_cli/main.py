"""The ``tvix`` command: one argparse parser, one module per sub-command.

Each sub-command lives in its own module, named in :data:`COMMANDS`, so that commands can be
written (and tested) apart. A module is imported only when its command runs: ``tvix eval`` does
not pay for loading ``tvix parse``, nor the reverse, and ``tvix --help`` lists the commands from
the summaries in the table without loading any. A process's start-up is a large share of a
short evaluation; that is also why this is the standard library's argparse and not click,
whose import took some 40% of the start-up of ``tvix eval``.

A command's module provides two functions:

- ``configure(parser: argparse.ArgumentParser) -> None`` adds the command's arguments to its
  sub-parser (``tvix NAME``; the summary is already its description);
- ``run(args: argparse.Namespace) -> None`` does the work. It ends the process with
  :exc:`SystemExit` on failure (see :mod:`tvix_cli.terminal`), and raises
  :class:`~tvix_cli.usage.UsageError` for a wrong command line that argparse could not see.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

from tvix_cli._version import __version__
from tvix_cli.usage import UsageError

__all__ = ["COMMANDS", "main"]

#: Sub-command name -> (its module, its one-line summary for ``tvix --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "eval": (
        "tvix_cli.eval",
        "Evaluate a Nix expression (from -E, a file, or '-' for standard input).",
    ),
    "instantiate": (
        "tvix_cli.instantiate",
        "Write the derivations an expression evaluates to into the store; print their paths.",
    ),
    "parse": ("tvix_cli.parse", "Check the syntax of a Nix file (or '-' for standard input)."),
    "build": (
        "tvix_cli.build",
        "Build the derivations an expression evaluates to; print their output paths.",
    ),
}


def main(argv: list[str] | None = None) -> None:
    """Run ``tvix`` with these arguments (by default the process's own).

    Returns when the command succeeds. Otherwise ends with :exc:`SystemExit`: status 1 when the
    command fails, 2 for a wrong command line (argparse's usage and error on stderr), 0 after
    ``--help`` and ``--version``.
    """
    if argv is None:
        argv = sys.argv[1:]
    # No abbreviated options (``--str`` for ``--strict``), as with C++ Nix: a prefix that works
    # today would become ambiguous, or change meaning, when an option is added.
    parser = argparse.ArgumentParser(
        prog="tvix",
        description="Tvix, a Nix implementation in Python: the Nix language, store and builds.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s, version {__version__}")
    commands = parser.add_subparsers(
        title="commands", dest="command", metavar="COMMAND", required=True
    )
    subparsers = {
        name: commands.add_parser(name, help=summary, description=summary, allow_abbrev=False)
        for name, (_, summary) in COMMANDS.items()
    }
    # The top-level options take no value, so argparse takes the first argument that is not an
    # option as the command's name: that command's module, and only it, is loaded to add its
    # arguments before parsing.
    name = next((arg for arg in argv if not arg.startswith("-")), "")
    command = importlib.import_module(COMMANDS[name][0]) if name in COMMANDS else None
    if command is not None:
        command.configure(subparsers[name])
        argv = _protect_option_values(subparsers[name], argv)
    args, unknown = parser.parse_known_args(argv)
    # Without a known command parsing has ended the process (help, version or an error).
    assert command is not None and args.command == name
    if unknown:  # reported with the command's usage, which shows what it takes
        subparsers[name].error(f"unrecognized arguments: {' '.join(_unprotect(unknown))}")
    for key, value in vars(args).items():
        setattr(args, key, _unprotect(value))
    try:
        command.run(args)
    except UsageError as error:
        subparsers[name].error(str(error))
    except KeyboardInterrupt:
        # No traceback for Ctrl-C: C++ Nix's message, after a newline that ends the "^C" echo.
        sys.stderr.write("\nerror: interrupted by the user\n")
        raise SystemExit(1) from None
    except BrokenPipeError:
        # The reader left (``tvix eval ... | head``): stop quietly with status 0, as C++ Nix
        # does. Python flushes standard output at exit, which would fail again and complain;
        # what is left in its buffer goes to /dev/null instead.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


#: Put before an option's value that starts with '-', so that argparse does not take it for an
#: option; no command-line argument can hold it (they are C strings).
_PROTECTED = "\0"


def _protect_option_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with the text values of ``parser``'s options protected from argparse.

    C++ Nix takes the arguments after an option that has values as its values, whatever they
    look like (``--argstr flag -v``); argparse refuses a value starting with '-' (unless it
    looks like a negative number). The values are marked here and unmarked after parsing.
    """
    takes = {
        option: action.nargs if isinstance(action.nargs, int) else 1
        for action in parser._actions
        if action.option_strings and action.nargs != 0 and action.type is None
        for option in action.option_strings
    }
    out: list[str] = []
    rest = iter(argv)
    for arg in rest:
        out.append(arg)
        if arg == "--":
            out.extend(rest)
            break
        for _ in range(takes.get(arg, 0)):
            value = next(rest, None)
            if value is None:
                break
            out.append(_PROTECTED + value if value.startswith("-") else value)
    return out


def _unprotect(value: Any) -> Any:
    """A parsed value (a string, or lists of them) without :func:`_protect_option_values`'s
    marks."""
    if isinstance(value, str):
        return value.removeprefix(_PROTECTED)
    if isinstance(value, list):
        return [_unprotect(item) for item in value]
    return value


if __name__ == "__main__":
    main()
