"""Calling a top-level function with the arguments of a command line (``--arg``,
``--argstr``), as ``nix-instantiate`` and ``nix-build`` do (C++ Nix's ``autoCallFunction``).

A function with a set pattern gets the arguments its formals name (all of them with ``...``)
and its defaults for the rest; a functor set is called through ``__functor`` first; anything
else, a plain ``x: ...`` lambda included, is left as it is.
"""

from __future__ import annotations

from typing import Any

from tvix_eval.errors import NixError
from tvix_eval.runtime.calls import call
from tvix_eval.value import LAMBDAS, force

__all__ = ["MISSING_ARGUMENT", "auto_call"]

Value = Any

MISSING_ARGUMENT = """cannot evaluate a function that has an argument without a value ('{}')
Nix attempted to evaluate a function as a top level expression; in
this case it must have its arguments supplied either by default
values, or passed explicitly with '--arg' or '--argstr'. See
https://nixos.org/manual/nix/stable/language/constructs.html#functions."""


def auto_call(value: Value, args: dict[str, Value]) -> Value:
    """``value`` forced, and called with ``args`` if it is a function with a set pattern (or
    a functor set that returns one): the result forced too."""
    value = force(value)
    if isinstance(value, dict) and "__functor" in value:
        return auto_call(force(call(force(value["__functor"]), value)), args)
    info = LAMBDAS.get(getattr(value, "__code__", None))  # type: ignore[arg-type]
    if info is None or info.formals is None:
        return value
    if info.ellipsis:
        given = dict(args)
    else:
        given = {}
        for formal in info.formals:
            if formal.name in args:
                given[formal.name] = args[formal.name]
            elif not formal.has_default:
                raise NixError(MISSING_ARGUMENT.format(formal.name), formal.span)
    return force(call(value, given))
