"""``tvix eval``: evaluate a Nix expression and print it as ``nix-instantiate --eval`` does.

Output modes: lazy (the top value forced, the rest ``<CODE>`` if not yet evaluated),
``--strict`` (everything forced), ``--json`` and ``--xml`` (lazy or strict, with or without
``--no-location``). Failures print C++ Nix's error text on
stderr and exit 1; no Python traceback reaches the user.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import click
from tvix_eval.builtins.control import deep_force
from tvix_eval.builtins.xml import XmlWriter
from tvix_eval.errors import EvalError, NixError
from tvix_eval.evaluator import Evaluator
from tvix_eval.printer import print_value
from tvix_eval.runtime.calls import call
from tvix_eval.syntax.source import Source
from tvix_eval.value import LAMBDAS, Thunk, force

from tvix_cli.sources import SourceUnreadable, read_source
from tvix_cli.terminal import fail, internal_error, write_stdout

__all__ = ["eval_command"]

Value = Any


MISSING_ARGUMENT = """cannot evaluate a function that has an argument without a value ('{}')
Nix attempted to evaluate a function as a top level expression; in
this case it must have its arguments supplied either by default
values, or passed explicitly with '--arg' or '--argstr'. See
https://nixos.org/manual/nix/stable/language/constructs.html#functions."""


def _auto_call(value: Value, auto_args: dict[str, Value]) -> Value:
    """Call a top-level function (or functor) with formals with the ``--arg``/``--argstr``
    values, as nix-instantiate does when any are given."""
    if not auto_args:
        return value
    value = force(value)
    if isinstance(value, dict) and "__functor" in value:
        return _auto_call(force(call(force(value["__functor"]), value)), auto_args)
    info = LAMBDAS.get(getattr(value, "__code__", None))  # type: ignore[arg-type]
    if info is None or info.formals is None:
        return value
    if info.ellipsis:
        args = dict(auto_args)
    else:
        args = {}
        for formal in info.formals:
            if formal.name in auto_args:
                args[formal.name] = auto_args[formal.name]
            elif not formal.has_default:
                raise NixError(MISSING_ARGUMENT.format(formal.name), formal.span)
    return force(call(value, args))


def _output(value: Value, strict: bool, as_json: bool, xml: XmlWriter | None) -> str:
    if xml is not None:
        # Forced while written, as nix-instantiate does: an error leaves what was written.
        xml.document(value)
        return "".join(xml.out)
    if as_json:
        from tvix_eval.builtins.json import to_json

        if strict:
            deep_force(value)
        return str(to_json(value))
    if strict:
        deep_force(value)
    return print_value(value, strict=strict)


@click.command("eval")
@click.argument("target", required=False, metavar="FILE|-")
@click.option("-E", "--expr", help="Evaluate this expression instead of a file.")
@click.option("--strict", is_flag=True, help="Evaluate the result completely.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--xml", "as_xml", is_flag=True, help="Print the result as XML.")
@click.option(
    "--no-location", is_flag=True, help="With --xml, leave out where things were defined."
)
@click.option(
    "--arg",
    "args",
    type=(str, str),
    multiple=True,
    metavar="NAME EXPR",
    help="Pass EXPR as argument NAME to a top-level function.",
)
@click.option(
    "--argstr",
    "argstrs",
    type=(str, str),
    multiple=True,
    metavar="NAME STRING",
    help="Pass STRING as argument NAME to a top-level function.",
)
@click.option("-I", "include", multiple=True, metavar="PATH", help="Add a search path entry.")
@click.option("--show-trace", is_flag=True, help="Show the whole trace of an error.")
@click.option(
    "--max-call-depth",
    type=int,
    default=10_000,
    show_default=True,
    help="Deepest nesting of function calls before an error.",
)
def eval_command(
    target: str | None,
    expr: str | None,
    strict: bool,
    as_json: bool,
    as_xml: bool,
    no_location: bool,
    args: tuple[tuple[str, str], ...],
    argstrs: tuple[tuple[str, str], ...],
    include: tuple[str, ...],
    show_trace: bool,
    max_call_depth: int,
) -> None:
    """Evaluate a Nix expression (from -E, a file, or '-' for standard input)."""
    if expr is None and target is None:
        raise click.UsageError("give an expression with -E, a file, or '-'")
    try:
        source = read_source(target, expr)
    except SourceUnreadable as error:
        fail(f"error: {error}")
    evaluator = Evaluator(max_call_depth=max_call_depth, nix_path=list(include))
    xml = XmlWriter([], strict=strict, location=not no_location) if as_xml else None

    def run(value: Value) -> str:
        auto_args: dict[str, Value] = {name: text for name, text in argstrs}
        for name, text in args:
            # Lazy, as in C++ Nix: an argument the function never uses is never evaluated.
            source = Source("«string»", text)
            auto_args[name] = Thunk(partial(evaluator.evaluate_nested, source))
        return _output(_auto_call(value, auto_args), strict, as_json, xml)

    try:
        text = evaluator.evaluate(source, then=run)
    except EvalError as error:
        if xml is not None:
            write_stdout("".join(xml.out), end="")
        fail(error.render(show_trace))
    except Exception as error:  # a bug of ours must still not show a traceback
        internal_error(error)
    write_stdout(text, end="" if as_xml else "\n")
