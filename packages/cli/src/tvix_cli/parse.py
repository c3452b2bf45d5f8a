"""``tvix parse FILE|-``: check Nix syntax, and with ``--dump`` print the syntax tree as
``nix-instantiate --parse`` prints it.

Whatever the input (binary garbage, 100 000 nested parentheses), the answer is either the
tree or one error in C++ Nix's format on stderr with exit status 1, never a traceback: the
work runs on a thread with a big stack, because printing a deep tree recurses.
"""

from __future__ import annotations

import os
import sys

import click
from tvix_eval.errors import EvalError
from tvix_eval.evaluator import run_with_big_stack
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.printer import print_expr
from tvix_eval.syntax.source import Source

__all__ = ["expand_tabs", "parse_command"]


def _read_source(target: str | None, expr: str | None) -> Source:
    """The text to parse, named as C++ Nix names it in messages."""
    if expr is not None:
        return Source("«string»", expr)
    if target is None or target == "-":
        data = sys.stdin.buffer.read()
        return Source("«stdin»", data.decode("utf-8", "surrogateescape"))
    path = os.path.abspath(target)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        return _read_source(os.path.join(target, "default.nix"), None)
    except OSError as error:
        raise click.ClickException(f"opening file '{path}': {error.strerror}") from None
    return Source(path, data.decode("utf-8", "surrogateescape"), path)


def expand_tabs(text: str) -> str:
    """Tabs as C++ Nix's terminal filter writes them: spaces up to a multiple of 8 of the
    bytes written so far, newlines not counted (so a tab in a quoted source line lands where
    the reference's does)."""
    if "\t" not in text:
        return text
    out: list[str] = []
    count = 0
    for c in text:
        if c == "\t":
            out.append(" ")
            count += 1
            while count % 8:
                out.append(" ")
                count += 1
        else:
            out.append(c)
            if c != "\n":
                count += 1 if c.isascii() else len(c.encode("utf-8", "surrogateescape"))
    return "".join(out)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        text = expand_tabs(f"warning: {warning}")
        sys.stderr.buffer.write(text.encode("utf-8", "surrogateescape") + b"\n")


def _fail(message: str) -> None:
    message = expand_tabs(message)
    sys.stderr.buffer.write(message.encode("utf-8", "surrogateescape") + b"\n")
    sys.stderr.flush()
    raise SystemExit(1)


@click.command("parse")
@click.argument("target", required=False, metavar="FILE|-")
@click.option("-E", "--expr", help="Parse this text instead of a file.")
@click.option("--dump", is_flag=True, help="Print the tree as nix-instantiate --parse does.")
def parse_command(target: str | None, expr: str | None, dump: bool) -> None:
    """Check the syntax of a Nix file (or '-' for standard input)."""
    try:
        source = _read_source(target, expr)
    except click.ClickException as error:
        _fail(f"error: {error.message}")
        return

    warnings: list[str] = []

    def work() -> str | None:
        tree = parse(source, warnings.append)
        return print_expr(tree) if dump else None

    try:
        printed = run_with_big_stack(work)
    except EvalError as error:
        _warn(warnings)
        _fail(error.render())
        return
    except (RecursionError, MemoryError) as error:
        _fail(f"error: the expression is too deeply nested to handle ({type(error).__name__})")
        return
    _warn(warnings)
    if printed is not None:
        sys.stdout.buffer.write(printed.encode("utf-8", "surrogateescape") + b"\n")
