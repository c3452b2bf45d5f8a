"""``tvix parse FILE|-``: check Nix syntax, and with ``--dump`` print the syntax tree as
``nix-instantiate --parse`` prints it.

Whatever the input (binary garbage, 100 000 nested parentheses), the answer is either the
tree or one error in C++ Nix's format on stderr with exit status 1, never a traceback: the
work runs on a thread with a big stack, because printing a deep tree recurses.
"""

from __future__ import annotations

import click
from tvix_eval.errors import EvalError
from tvix_eval.evaluator import run_with_big_stack
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.printer import print_expr

from tvix_cli.sources import SourceUnreadable, read_source
from tvix_cli.terminal import fail, warn, write_stdout

__all__ = ["parse_command"]


@click.command("parse")
@click.argument("target", required=False, metavar="FILE|-")
@click.option("-E", "--expr", help="Parse this text instead of a file.")
@click.option("--dump", is_flag=True, help="Print the tree as nix-instantiate --parse does.")
def parse_command(target: str | None, expr: str | None, dump: bool) -> None:
    """Check the syntax of a Nix file (or '-' for standard input)."""
    try:
        source = read_source(target, expr)
    except SourceUnreadable as error:
        fail(f"error: {error}")

    warnings: list[str] = []

    def work() -> str | None:
        tree = parse(source, warnings.append)
        return print_expr(tree) if dump else None

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
