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

from tvix_eval.errors import EvalError
from tvix_eval.evaluator import run_with_big_stack
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.printer import print_expr

from tvix_cli.settings_arguments import add_settings_arguments, read_settings
from tvix_cli.sources import SourceUnreadable, add_source_arguments, read_source
from tvix_cli.terminal import fail, warn, write_stdout

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """``tvix parse``'s arguments: what to read (standard input if nothing), and ``--dump``."""
    add_source_arguments(parser, "Parse this text instead of a file.")
    parser.add_argument(
        "--dump", action="store_true", help="Print the tree as nix-instantiate --parse does."
    )
    # The settings tvix eval takes (only the experimental features matter here).
    add_settings_arguments(parser)


def run(args: argparse.Namespace) -> None:
    """Parse, print the tree if asked, or exit 1 with the syntax error as C++ Nix prints it."""
    features = read_settings(args.settings).enabled_features()
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
