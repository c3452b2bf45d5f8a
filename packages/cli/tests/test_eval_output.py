"""``tvix eval``'s output modes where lang-tests cannot reach them (they run with --strict):
JSON without --strict, which C++ Nix writes only from values already evaluated, and JSON
with it, forced while written; each compared with what nix-instantiate --eval prints."""

from __future__ import annotations

from typing import Any

import pytest
from cli_harness import Tvix


@pytest.mark.parametrize(
    "expr",
    [
        # evaluated already: constants, a forced variable, a value seq'd
        "{ a = 1; b = \"x\"; c = null; }",
        "let x = 1 + 1; in builtins.seq x { a = x; }",
        "let f = 1 + 1; in builtins.seq f { outPath = f; }",
        "{ __toString = s: \"x\"; }",
        # not evaluated: an attribute, a list element, a nested list, outPath
        "{ a = 1 + 1; b = 2; }",
        "[ (1 + 1) ]",
        "[ [ 1 ] ]",
        "{ a = { b = 1; }; }",
        "{ outPath = 1 + 1; }",
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_json_is_what_nix_instantiate_writes(
    tvix: Tvix, oracle: Any, expr: str, strict: bool
) -> None:
    flags = ["--json", "--strict"] if strict else ["--json"]
    result = tvix("eval", *flags, "-E", expr)
    reference = oracle.run("nix-instantiate", "--eval", *flags, "-E", expr, check=False)
    assert (result.exit_code, result.stdout, result.stderr) == (
        reference.returncode,
        reference.stdout.decode(),
        reference.stderr.decode(),
    )


def test_strict_json_fails_at_the_first_attribute_that_fails(tvix: Tvix, oracle: Any) -> None:
    """Written in order and forced while written: the function in 'f' is refused before the
    throw in 't' is reached (forcing everything first would reach the throw)."""
    expr = '{ f = x: x; t = throw "no"; }'
    result = tvix("eval", "--strict", "--json", "-E", expr)
    reference = oracle.run(
        "nix-instantiate", "--eval", "--strict", "--json", "-E", expr, check=False
    )
    assert result.exit_code == reference.returncode == 1
    assert result.stderr == reference.stderr.decode()
    assert "cannot convert a function to JSON" in result.stderr
