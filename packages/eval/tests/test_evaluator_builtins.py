"""Builtins and I/O belong to one evaluator: what tvix-glue adds or replaces for one
evaluation is invisible to every other evaluator in the same process."""

from __future__ import annotations

from typing import Any

import pytest
from tvix_eval import BuiltinSet, EvalError, Evaluator
from tvix_eval.builtins.arguments import string_arg
from tvix_eval.builtins.control import deep_force
from tvix_eval.io import LocalIO
from tvix_eval.runtime.calls import call
from tvix_eval.syntax.source import Source
from tvix_eval.value import force

EXTRA = BuiltinSet()


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting
        self.calls = 0


@EXTRA.builtin("greet", 1, stateful=True)
def greet(state: Greeter, name: Any) -> str:
    state.calls += 1
    return f"{state.greeting}, {string_arg(name, 'greet')}"


@EXTRA.builtin("answer", 0)
def answer() -> int:
    return 42


REPLACED = BuiltinSet()


@REPLACED.builtin("getEnv", 1)
def get_env(name: Any) -> str:
    return "replaced"


def test_added_builtins_are_this_evaluators_alone() -> None:
    hello, bonjour = Greeter("hello"), Greeter("bonjour")
    first = Evaluator(builtins=[EXTRA.bound(hello)])
    second = Evaluator(builtins=[EXTRA.bound(bonjour)])
    plain = Evaluator()
    assert first.eval('builtins.greet "nix"') == "hello, nix"
    assert second.eval('__greet "nix"') == "bonjour, nix"
    assert first.eval("builtins.answer") == 42
    assert (hello.calls, bonjour.calls) == (1, 1)
    assert plain.eval("builtins ? greet || builtins ? answer") is False
    assert first.eval('builtins.elem "greet" (builtins.attrNames builtins)') is True


def test_a_later_set_replaces_a_builtin_for_its_evaluator_only() -> None:
    assert Evaluator(builtins=[REPLACED]).eval('builtins.getEnv "HOME"') == "replaced"
    assert Evaluator().eval('builtins.getEnv "HOME"') != "replaced"


def test_toml_timestamps_are_this_evaluators_alone() -> None:
    """parse-toml-timestamps changes fromTOML (by every name) for its evaluator only, and
    leaves Python's tomllib, which other code may use, as it was."""
    import datetime
    import tomllib

    document = 'builtins.fromTOML "a = 1979-05-27T07:32:00+00:00"'
    stamped = Evaluator(experimental_features=["parse-toml-timestamps"])
    timestamp = {"a": {"_type": "timestamp", "value": "1979-05-27T07:32:00Z"}}
    assert stamped.eval(document) == timestamp
    assert stamped.eval(document.removeprefix("builtins.")) == timestamp
    with pytest.raises(EvalError, match="Dates and times are not supported"):
        Evaluator().eval(document)
    assert tomllib.loads("a = 07:32:00") == {"a": datetime.time(7, 32)}


def test_a_stateful_builtin_needs_its_state() -> None:
    with pytest.raises(TypeError, match="greet needs its state"):
        Evaluator(builtins=[EXTRA])


def test_the_io_is_each_evaluations_own() -> None:
    class Fixed(LocalIO):
        def get_env(self, name: str) -> str:
            return f"fixed {name}"

    assert Evaluator(Fixed()).eval('builtins.getEnv "A"') == "fixed A"
    assert Evaluator(Fixed(store_dir="/tvix/store")).eval("builtins.storeDir") == "/tvix/store"
    assert Evaluator().eval("builtins.storeDir") == "/nix/store"


TRACED = BuiltinSet()


@TRACED.builtin("filter", 2)
def eager_filter(function: Any, items: Any) -> list[Any]:
    """``filter`` written outside tvix-eval's folder, as glue writes its builtins: it calls
    the Nix function itself."""
    f = force(function)
    return [item for item in force(items) if force(call(f, item)) is True]


def test_an_added_builtins_calls_are_traced_as_builtins_calls(oracle: Any) -> None:
    """Calls made by a builtin's code have no call site (C++ Nix gives builtins no
    position): the registry records where each set's builtins live, whatever the folder."""
    expr = 'builtins.filter (x: throw "boom ${toString x}") [ 1 ]'
    expected = oracle.run(
        "nix-instantiate", "--eval", "--strict", "--show-trace", "-E", expr, check=False
    ).stderr.decode()
    evaluator = Evaluator(builtins=[TRACED])
    with pytest.raises(EvalError) as caught:
        evaluator.evaluate(Source("«string»", expr), then=deep_force)
    assert caught.value.render(True) + "\n" == expected
