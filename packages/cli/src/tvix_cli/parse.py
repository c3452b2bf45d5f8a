"""``tvix parse FILE|-``: check Nix syntax, and with ``--dump`` print the syntax tree as
``nix-instantiate --parse`` prints it. As C++ Nix's parser, it also refuses a variable that
nothing defines (the base environment being ``nix-instantiate``'s, whatever builtins this
evaluator has). The experimental features that change the syntax (``pipe-operators``,
``no-url-literals``) are given as to ``tvix eval``: ``--extra-experimental-features`` or
``--option experimental-features``.

Whatever the input (binary garbage, 100 000 nested parentheses), the answer is either the
tree or one error in C++ Nix's format on stderr with exit status 1, never a traceback: the
work runs on a thread with a big stack, because printing a deep tree recurses.
"""

from __future__ import annotations

import argparse
from typing import Any

from tvix_eval.errors import EvalError
from tvix_eval.evaluator import run_with_big_stack
from tvix_eval.settings import EvalSettings
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.printer import print_expr

from tvix_cli.sources import SourceUnreadable, add_source_arguments, read_source
from tvix_cli.terminal import fail, warn, write_stdout

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """``tvix parse``'s arguments: what to read (standard input if nothing), and ``--dump``."""
    add_source_arguments(parser, "Parse this text instead of a file.")
    parser.add_argument(
        "--dump", action="store_true", help="Print the tree as nix-instantiate --parse does."
    )
    # Settings in the order given, as tvix eval takes them; only the features matter here.
    parser.add_argument(
        "--option",
        nargs=2,
        action="append",
        dest="settings",
        default=[],
        metavar=("NAME", "VALUE"),
        help="Set a Nix setting (tvix parse reads (extra-)experimental-features).",
    )
    for option, what in (
        ("--experimental-features", "Enable only these experimental features"),
        ("--extra-experimental-features", "Enable these experimental features too"),
    ):
        parser.add_argument(
            option,
            action=_FeatureList,
            dest="settings",
            metavar="FEATURES",
            help=f"{what} (a space-separated list: pipe-operators, no-url-literals...).",
        )


class _FeatureList(argparse.Action):
    """``--[extra-]experimental-features LIST``: ``--option [extra-]experimental-features
    LIST``, in its place among the others."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        name = self.option_strings[0].removeprefix("--")
        namespace.settings = [*namespace.settings, [name, values]]


def _features(given: list[list[str]]) -> frozenset[str]:
    """The experimental features the settings enable, warning as C++ Nix does about names
    and features it does not know."""
    settings = EvalSettings()
    warnings = [w for name, value in given for w in settings.set(name, value)]
    warn([*warnings, *settings.unknown_names()])
    return settings.enabled_features()


def run(args: argparse.Namespace) -> None:
    """Parse, print the tree if asked, or exit 1 with the syntax error as C++ Nix prints it."""
    features = _features(args.settings)
    try:
        source = read_source(args.target, args.expr)
    except SourceUnreadable as error:
        fail(f"error: {error}")

    warnings: list[str] = []

    def work() -> str | None:
        tree = parse(source, warnings.append, features=features)
        return print_expr(tree) if args.dump else None

    try:
        printed = run_with_big_stack(work)
    except EvalError as error:
        warn(warnings)
        fail(error.render())
    except (RecursionError, MemoryError) as error:
        fail(f"error: the expression is too deeply nested to handle ({type(error).__name__})")
    warn(warnings)
    if printed is not None:
        write_stdout(printed)
