"""The Python embedding API: ``from tvix_eval import Evaluator``, values usable from Python.

What a value is comes from the reference: ``to_python`` of our value must equal the JSON
that ``nix-instantiate --eval --strict --json`` prints for the same expression, and a
function called from Python must give what the reference gives for the application.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import tvix_eval
from tvix_eval import (
    ContextStr,
    EvalError,
    Evaluator,
    NixAttrs,
    NixFunction,
    NixList,
    to_nix,
    to_python,
)

DATA = [
    '{ b = 2; a = [ 1 2.5 true null ]; c.d.e = "x"; }',
    'builtins.fromJSON (builtins.toJSON { "ü" = [ { } [ ] "\\n\\t" ]; })',
    "builtins.genList (i: { n = i * i; s = toString i; }) 5",
    "let f = n: if n == 0 then [ ] else [ (f (n - 1)) ]; in f 40",
    'builtins.listToAttrs (map (n: { name = "k${toString n}"; value = n; }) [ 3 1 2 ])',
]


def _reference_json(oracle: Any, expr: str) -> Any:
    return json.loads(oracle.out("nix-instantiate", "--eval", "--strict", "--json", "-E", expr))


@pytest.mark.parametrize("expr", DATA)
def test_to_python_is_the_reference_json(oracle: Any, expr: str) -> None:
    value = Evaluator().eval(expr)
    converted = value.to_python() if hasattr(value, "to_python") else to_python(value)
    assert converted == _reference_json(oracle, expr)
    if isinstance(converted, dict):  # Nix's order, as the reference writes its JSON
        assert list(converted) == list(_reference_json(oracle, expr))


APPLICATIONS = [
    ("a: b: a * b + 1", (6, 7)),
    ("{ x, y ? 10 }: x - y", ({"x": 3},)),
    ("{ __functor = self: n: self.base + n; base = 100; }", (23,)),
    ("builtins.concatStringsSep", ("-", ["a", "b", "c"])),
    ("s: builtins.attrNames s", ({"zz": 1, "a": None, "m": [True]},)),
    ("l: map (x: x.v or 0) l", ([{"v": 1}, {}, {"v": 2.5}],)),
]


@pytest.mark.parametrize(("function", "args"), APPLICATIONS)
def test_a_nix_function_called_from_python_gives_the_reference_result(
    oracle: Any, function: str, args: tuple[Any, ...]
) -> None:
    called = Evaluator().eval(function)
    assert isinstance(called, NixFunction)
    result = called(*args)
    # The same application in Nix, the arguments written as JSON that Nix reads.
    nix_args = " ".join(f"(builtins.fromJSON {json.dumps(json.dumps(a))})" for a in args)
    expected = _reference_json(oracle, f"({function}) {nix_args}")
    assert to_python(result) == expected


def test_attribute_sets_are_read_only_mappings_computed_when_looked_up() -> None:
    value = Evaluator().eval('{ ok = 1; bad = throw "not needed"; z = { }; }')
    assert isinstance(value, NixAttrs) and isinstance(value, Mapping)
    assert list(value) == ["bad", "ok", "z"] and len(value) == 3 and "ok" in value
    assert value["ok"] == 1 and value.get("missing") is None
    with pytest.raises(EvalError) as caught:
        value["bad"]
    assert "not needed" in caught.value.render(False)
    with pytest.raises(TypeError):
        value["ok"] = 2  # type: ignore[index]


def test_lists_are_sequences_whose_items_are_computed_when_read() -> None:
    value = Evaluator().eval('[ 1 (throw "item two") 3 ]')
    assert isinstance(value, NixList) and isinstance(value, Sequence)
    assert len(value) == 3 and value[0] == 1 and value[-1] == 3 and value[::2] == [1, 3]
    with pytest.raises(EvalError, match="item two"):
        value[1]


def test_strings_keep_their_context() -> None:
    ev = Evaluator()
    path = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-y"
    text = ev.eval(f'builtins.appendContext "x" {{ "{path}" = {{ path = true; }}; }}')
    assert isinstance(text, ContextStr) and text == "x"
    assert text.context == frozenset({path})
    assert type(to_python(text)) is str


def test_a_file_with_arguments(tmp_path: Path) -> None:
    (tmp_path / "lib.nix").write_text("{ n }: n * 2")
    (tmp_path / "default.nix").write_text(
        "{ factor ? 3, names }: { total = (import ./lib.nix { n = factor; }); inherit names; }"
    )
    value = Evaluator().eval_file(tmp_path / "default.nix", args={"names": ["a", "b"]})
    assert value.to_python() == {"names": ["a", "b"], "total": 6}


def test_functions_cannot_be_plain_data() -> None:
    value = Evaluator().eval("{ f = x: x; }")
    with pytest.raises(EvalError, match="cannot convert lambda to Python data"):
        value.to_python()


@pytest.mark.parametrize(
    ("data", "error"),
    [({1: 2}, TypeError), (object(), TypeError), (2**63, ValueError), ({"s": {3}}, TypeError)],
)
def test_python_data_without_a_nix_value_is_refused(data: Any, error: type) -> None:
    with pytest.raises(error):
        to_nix(data)


def test_values_deeper_than_python_recursion_convert() -> None:
    value = Evaluator().eval(
        "builtins.foldl' (acc: _: [ acc ]) [ ] (builtins.genList (x: x) 20000)"
    )
    converted = value.to_python()
    depth = 0
    while converted:
        converted = converted[0]
        depth += 1
    assert depth == 20000


def test_values_of_two_evaluators_are_computed_by_their_own() -> None:
    """A lazy value forced after another evaluator ran is still computed with the I/O of
    the evaluator that made it (here: each evaluator's own getEnv)."""
    from tvix_eval.io import LocalIO

    class Env(LocalIO):
        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

        def get_env(self, name: str) -> str:
            return self.value

    first = Evaluator(Env("first")).eval('{ v = builtins.getEnv "X"; }')
    second = Evaluator(Env("second")).eval('{ v = builtins.getEnv "X"; }')
    assert (second["v"], first["v"]) == ("second", "first")


def test_evaluators_in_threads_at_once() -> None:
    results: dict[int, Any] = {}

    def work(n: int) -> None:
        results[n] = Evaluator().eval(
            f"builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x * {n}) 2000)"
        )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: n * 1999 * 2000 // 2 for n in range(1, 5)}


def test_the_public_surface() -> None:
    for name in tvix_eval.__all__:
        assert getattr(tvix_eval, name) is not None
    with pytest.raises(AttributeError):
        tvix_eval.no_such_name  # noqa: B018
