"""``tvix eval``: evaluate a Nix expression and print it as ``nix-instantiate --eval`` does.

Output modes: lazy (the top value forced, the rest ``<CODE>`` if not yet evaluated),
``--strict`` (everything forced), ``--json`` and ``--xml`` (lazy or strict, with or without
``--no-location``). Failures print C++ Nix's error text on
stderr and exit 1; no Python traceback reaches the user.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from tvix_eval.attr_path import find_along_attr_path
from tvix_eval.auto_call import auto_call
from tvix_eval.builtins.control import deep_force
from tvix_eval.builtins.json import JsonSerializationError, to_json
from tvix_eval.builtins.xml import XmlWriter
from tvix_eval.errors import EvalError
from tvix_eval.evaluator import run_with_big_stack
from tvix_eval.printer import print_value
from tvix_eval.syntax.source import Source
from tvix_eval.value import Thunk

from tvix_cli.settings_arguments import add_settings_arguments, read_settings
from tvix_cli.sources import SourceUnreadable, add_source_arguments, read_source
from tvix_cli.store_arguments import add_store_arguments, build_service_url, store_opener
from tvix_cli.terminal import fail, internal_error, write_stdout
from tvix_cli.usage import UsageError

__all__ = ["add_evaluation_arguments", "configure", "evaluate_each", "run"]

Value = Any


def _output(value: Value, strict: bool, as_json: bool, xml: XmlWriter | None) -> str:
    if xml is not None:
        # Forced while written, as nix-instantiate does: an error leaves what was written.
        xml.document(value)
        return "".join(xml.out)
    if as_json:
        # Forced while written (with --strict) or refusing what is not yet evaluated, as
        # nix-instantiate writes it: an error names the first attribute that fails.
        return str(to_json(value, lazy=not strict))
    if strict:
        deep_force(value)
    return print_value(value, strict=strict)


def add_evaluation_arguments(parser: argparse.ArgumentParser, expr_help: str) -> None:
    """What every evaluating command takes (``tvix eval``, ``tvix instantiate``): the source,
    ``--arg``/``--argstr``, ``-A``, ``-I``, ``--show-trace``, settings and the store."""
    add_source_arguments(parser, expr_help)
    # Repeatable, into one list of [OPTION, NAME, VALUE] in the order given: for one name,
    # the last --arg or --argstr wins.
    for option, what in (("--arg", "EXPR"), ("--argstr", "STRING")):
        parser.add_argument(
            option,
            nargs=2,
            action=_AutoArg,
            dest="auto_args",
            default=[],
            metavar=("NAME", what),
            help=f"Pass {what} as argument NAME to a top-level function.",
        )
    parser.add_argument(
        "-A",
        "--attr",
        action="append",
        default=[],
        metavar="PATH",
        help='Print the attribute at PATH (a.b."c.d".0) of the value instead; repeatable.',
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
    add_settings_arguments(parser)
    add_store_arguments(parser)


def configure(parser: argparse.ArgumentParser) -> None:
    """``tvix eval``'s arguments: those of ``nix-instantiate --eval`` that it implements."""
    add_evaluation_arguments(parser, "Evaluate this expression instead of a file.")
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
    parser.add_argument(
        "--read-write-mode",
        action="store_true",
        help="Write the paths and derivations the evaluation makes to the store (without it, "
        "their paths are only computed).",
    )


class _AutoArg(argparse.Action):
    """``--arg NAME EXPR`` or ``--argstr NAME STRING``, kept in order with which it was."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        name, value = values
        namespace.auto_args = [*namespace.auto_args, [option_string, name, value]]


def run(args: argparse.Namespace) -> None:
    """Evaluate, print the value, or exit 1 with the error as C++ Nix prints it."""
    # The XML written so far of an output that failed is printed too, as nix-instantiate
    # streams it; and the JSON, which it streams as well.
    xml: list[XmlWriter] = []

    def render(selected: Value) -> str:
        if args.as_xml:
            xml.append(XmlWriter([], strict=args.strict, location=not args.no_location))
            return _output(selected, args.strict, args.as_json, xml[-1])
        return _output(selected, args.strict, args.as_json, None) + "\n"

    def partial(error: EvalError, done: int) -> str:
        if len(xml) > done:
            return "".join(xml[-1].out)
        if isinstance(error, JsonSerializationError):
            return error.written
        return ""

    evaluate_each(args, render, read_write=args.read_write_mode, partial=partial)


def evaluate_each(
    args: argparse.Namespace,
    render: Callable[[Value], str],
    *,
    read_write: bool,
    partial: Callable[[EvalError, int], str] | None = None,
) -> None:
    """Evaluate the command's source against its store, select each ``-A`` path (called
    with the ``--arg``\\ s), and print what ``render`` makes of each, in order; or exit 1 with
    the error as C++ Nix prints it, after the outputs done before it (and what ``partial``
    says was written of the one that failed)."""
    if args.expr is None and args.target is None:
        raise UsageError("give an expression with -E, a file, or '-'")
    settings = read_settings(args.settings)
    from tvix_glue.evaluator import store_evaluator

    evaluator = store_evaluator(
        store_opener(args),
        read_write=read_write,
        max_call_depth=settings.max_call_depth,
        nix_path=list(args.include),
        abort_on_warn=settings.abort_on_warn,
        pure_eval=settings.pure_eval,
        experimental_features=settings.enabled_features(),
        trusted_public_keys=settings.trusted_public_keys,
        tarball_ttl=settings.tarball_ttl,
        build_service_url=build_service_url(args),
    )
    # The last --arg or --argstr of each name counts. Its --arg expression is parsed first,
    # as C++ Nix parses them (a syntax error there is reported before anything else), and
    # evaluated lazily: one the function never uses is never evaluated.
    given = {name: (option, text) for option, name, text in args.auto_args}
    try:
        loaded = run_with_big_stack(
            lambda: {
                name: evaluator.load(Source("«string»", text))
                for name, (option, text) in given.items()
                if option == "--arg"
            }
        )
    except EvalError as error:
        fail(error.render(args.show_trace))
    try:
        if settings.pure_eval and args.expr is None and args.target not in (None, "-"):
            # C++ Nix reads the file it is given as evaluation reads files: pure evaluation
            # refuses it too, unless it lies in a store path.
            evaluator.io.read_file(os.path.abspath(args.target))
        source = read_source(args.target, args.expr)
    except SourceUnreadable as error:
        fail(f"error: {error}")
    except EvalError as error:
        fail(error.render(args.show_trace))
    # One output per attribute path, as nix-instantiate prints them: those done are printed
    # even if a later one fails.
    outputs: list[str] = []

    def finish(value: Value) -> None:
        auto_args: dict[str, Value] = {
            name: Thunk(loaded[name]) if name in loaded else text
            for name, (_, text) in given.items()
        }
        for path in args.attr or [""]:
            selected = find_along_attr_path(value, path, auto_args)
            if auto_args:
                selected = auto_call(selected, auto_args)
            outputs.append(render(selected))

    try:
        evaluator.evaluate(source, then=finish)
    except EvalError as error:
        write_stdout("".join(outputs), end="")
        if partial is not None:
            write_stdout(partial(error, len(outputs)), end="")
        fail(error.render(args.show_trace), error.exit_status)
    except Exception as error:  # a bug of ours must still not show a traceback
        internal_error(error)
    write_stdout("".join(outputs), end="")
