"""``tvix eval``: evaluate a Nix expression and print it as ``nix-instantiate --eval`` does.

Output modes: lazy (the top value forced, the rest ``<CODE>`` if not yet evaluated),
``--strict`` (everything forced), ``--json`` and ``--xml`` (lazy or strict, with or without
``--no-location``). Failures print C++ Nix's error text on
stderr and exit 1; no Python traceback reaches the user.
"""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

from tvix_eval.builtins.control import deep_force
from tvix_eval.builtins.xml import XmlWriter
from tvix_eval.errors import EvalError, NixError
from tvix_eval.evaluator import Evaluator
from tvix_eval.printer import print_value
from tvix_eval.runtime.calls import call
from tvix_eval.syntax.source import Source
from tvix_eval.value import LAMBDAS, Thunk, force

from tvix_cli.sources import SourceUnreadable, add_source_arguments, read_source
from tvix_cli.terminal import fail, internal_error, write_stdout
from tvix_cli.usage import UsageError

__all__ = ["configure", "run"]

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


def configure(parser: argparse.ArgumentParser) -> None:
    """``tvix eval``'s arguments: those of ``nix-instantiate --eval`` that it implements."""
    add_source_arguments(parser, "Evaluate this expression instead of a file.")
    parser.add_argument("--strict", action="store_true", help="Evaluate the result completely.")
    parser.add_argument(
        "--json", dest="as_json", action="store_true", help="Print the result as JSON."
    )
    parser.add_argument(
        "--xml", dest="as_xml", action="store_true", help="Print the result as XML."
    )
    parser.add_argument(
        "--no-location",
        action="store_true",
        help="With --xml, leave out where things were defined.",
    )
    # Repeatable pairs: a list of [NAME, EXPR] lists, in the order given.
    parser.add_argument(
        "--arg",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "EXPR"),
        help="Pass EXPR as argument NAME to a top-level function.",
    )
    parser.add_argument(
        "--argstr",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "STRING"),
        help="Pass STRING as argument NAME to a top-level function.",
    )
    parser.add_argument(
        "-I",
        dest="include",
        action="append",
        default=[],
        metavar="PATH",
        help="Add a search path entry.",
    )
    parser.add_argument(
        "--show-trace", action="store_true", help="Show the whole trace of an error."
    )
    parser.add_argument(
        "--max-call-depth",
        type=int,
        default=10_000,
        metavar="N",
        help="Deepest nesting of function calls before an error (default: %(default)s).",
    )


def run(args: argparse.Namespace) -> None:
    """Evaluate, print the value, or exit 1 with the error as C++ Nix prints it."""
    if args.expr is None and args.target is None:
        raise UsageError("give an expression with -E, a file, or '-'")
    try:
        source = read_source(args.target, args.expr)
    except SourceUnreadable as error:
        fail(f"error: {error}")
    evaluator = Evaluator(max_call_depth=args.max_call_depth, nix_path=list(args.include))
    xml = XmlWriter([], strict=args.strict, location=not args.no_location) if args.as_xml else None

    def finish(value: Value) -> str:
        auto_args: dict[str, Value] = {name: text for name, text in args.argstr}
        for name, text in args.arg:
            # Lazy, as in C++ Nix: an argument the function never uses is never evaluated.
            source = Source("«string»", text)
            auto_args[name] = Thunk(partial(evaluator.evaluate_nested, source))
        return _output(_auto_call(value, auto_args), args.strict, args.as_json, xml)

    try:
        text = evaluator.evaluate(source, then=finish)
    except EvalError as error:
        if xml is not None:
            write_stdout("".join(xml.out), end="")
        fail(error.render(args.show_trace))
    except Exception as error:  # a bug of ours must still not show a traceback
        internal_error(error)
    write_stdout(text, end="" if args.as_xml else "\n")
