"""Evaluation against the reference: the same expression printed (lazy and ``--strict``) or
refused with the same error text by ``tvix eval`` and ``nix-instantiate --eval``."""

from __future__ import annotations

import subprocess
import sys

import pytest

OKAY = [
    "1 + 2 * 3 - 4 / 2",
    '[ 1 2.5 "a" true null (x: x) builtins.add (builtins.add 1) { a = 1; } ]',
    "let x = 1; y = x; in [ x y (x + 1) ]",
    "rec { a = b; b = 2; c = { d = a; }; }",
    "{ a.b.c = 1; a.d = 2; x = { y = 3; }; }",
    "let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 15",
    "with { a = 1; }; with { a = 2; b = 3; }; [ a b ]",
    "let a = 1; in with { a = 2; }; a",
    "({ a, b ? a + 1, ... }@args: [ a b args ]) { a = 1; c = 3; }",
    "builtins.map (x: x * 2) [ 1 2 3 ]",
    "builtins.filter (x: x > 1) [ 1 2 3 ]",
    "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 100)",
    'builtins.attrNames { b = 1; a = 2; "c d" = 3; }',
    "builtins.attrValues { b = 1; a = 2; }",
    'builtins.listToAttrs [ { name = "a"; value = 1; } { name = "a"; value = 2; } ]',
    "builtins.mapAttrs (n: v: n + toString v) { a = 1; b = 2; }",
    'builtins.removeAttrs { a = 1; b = 2; } [ "a" "z" ]',
    "builtins.intersectAttrs { a = 1; } { a = 2; b = 3; }",
    "builtins.functionArgs ({ b, a ? 1 }: a)",
    'builtins.concatStringsSep ", " [ "a" "b" ]',
    'builtins.substring 1 3 "hello"',
    'builtins.stringLength "héllo"',
    'builtins.toString [ 1 [ 2 null ] true false "a" 1.5 ]',
    'builtins.toJSON { a = [ 1 "x" null true 1.5 ]; b = "\\n\\""; }',
    'builtins.fromJSON \'\'{"a": [1, 2.5, null, true, "x"], "b": {}}\'\'',
    'builtins.tryEval (throw "x")',
    "builtins.tryEval (assert false; 1)",
    "builtins.tryEval 1",
    "builtins.typeOf [ ]",
    '[ (1 == 1.0) ({ a = 1; } == { a = 1.0; }) ([ 1 ] == [ 1 ]) ("a" < "b") ([ 1 2 ] < [ 1 3 ]) ]',
    "let f = x: x; in [ ([ f ] == [ f ]) (f == f) ]",
    "{ a = 1.0e30; b = 0.1; c = 123456789.0; d = 1.5e-7; e = 100000.0; f = 1000000.0; }",
    '"a\\tb\\nc\\${d}"',
    "''\n  indented\n    more\n''",
    "let x = { a = 1; }; in [ x x ]",
    '{ a = { }; b = [ ]; "if" = 1; "a\'" = 2; "1a" = 3; }',
    'let s = { __toString = self: "bar"; }; in "${s}"',
    'let s = { outPath = "foo"; }; in "${s}"',
    "{ __functor = self: x: x + 1; } 41",
    "0 + -5 / 2",
    "builtins.elem 2 [ 1 2 ]",
    "builtins.seq 1 2",
    "builtins.deepSeq { a = 1; } 2",
    "builtins.isFunction builtins.map",
    "builtins.length (builtins.concatLists [ [ 1 ] [ 2 3 ] ])",
    "builtins.head [ 1 2 ]",
    "builtins.tail [ 1 2 ]",
    "builtins.elemAt [ 1 2 ] 1",
    'builtins.hasAttr "a" { a = 1; }',
    "{ a = 1; } ? a",
    "{ a.b = 1; } ? a.b",
    "{ a = 1; }.b or 5",
    'let a = "x"; in { ${a} = 1; "${a}y" = 2; }',
    "!true || false && true",
    "true -> false",
    "[ 1 ] ++ [ 2 ]",
    "{ a = 1; } // { b = 2; }",
]

FAILING = [
    'let { x = 1; body = throw "b"; }',
    "let { bod = 1; }",
    # builtins.findFile's search path entries.
    'builtins.findFile [ { prefix = 1; path = "/"; } ] "x/y"',
    'builtins.findFile [ { path = 1; } ] "x/y"',
    'builtins.addErrorContext "a" (builtins.addErrorContext "b" (1 + "x"))',
    # Coercions to strings in interpolations: what is blamed, and where.
    '"a${throw "x"}"',
    '"a${{ outPath = 1; }}"',
    '"${{ __toString = s: throw "in"; }}"',
    '"x${{ __toString = s: { __toString = s: 1; }; }}"',
    "toString { __toString = 1; }",
    '"${[ ]}"',
    './a${{ __toString = s: throw "t"; }}',
    "/a/${{ a = 1; }}",
    # A failed assert on == says what differs.
    "assert true == false; 1",
    "assert 1 == 2.5; 1",
    'assert "a" == 1; 1',
    "assert /a == /b; 1",
    "assert [ 1 2 ] == [ 1 3 ]; 1",
    "assert [ 1 2 ] == [ 1 ]; 1",
    "assert { a = 1; } == { a = 1; b = 2; }; 1",
    "assert { a = [ { b = 1; } ]; } == { a = [ { b = 2; } ]; }; 1",
    'assert { type = "derivation"; outPath = "a"; } == { type = "derivation"; outPath = "b"; }; 1',
    "assert (x: x) == (x: x); 1",
    'assert { a = 1; } == { a = throw "z"; }; 1',
    "let x = { a = 1; }; in assert x == (x // { a = 2; }); 1",
    # The argument of a lambda with formals, and functors.
    '({ a }: a) (throw "t")',
    "let f = { a }: a; g = x: f x; in g 1",
    '{ __functor = s: x: throw "in"; } 2',
    '{ __functor = throw "f"; } 1',
    "{ __functor = s: 1; } 2",
    "let f = a: { b }: b; in f 1 { }",
    # A path selection fails as a whole: one frame naming the path, at the last attribute.
    '{ a.b = throw "x"; }.a.b',
    'let s = { a = { b = throw "x"; }; }; in s.a.b or 1',
    '{ a = throw "y"; }.a.b',
    '{ a.b = throw "x"; }.${"a"}.b',
    "{ a.b.c = 1; }.a.b.d",
    '(builtins.mapAttrs (n: v: v) { a.b = throw "z"; }).a.b',
    "{ a = { b = 1; }; }.a.b.c",
    '{ a = throw "y"; }.a.b or 1',
    'if throw "in the condition" then 1 else 2',
    'assert (throw "x"); 1',
    '(throw "x") && true',
    'true || false -> throw "x"',
    'let f = n: if (if n == 0 then throw "z" else f (n - 1) == 1) then 1 else 2; in f 9',
    '1 + "a"',
    '"a" + 1',
    '1 - "a"',
    "1 / 0",
    "9223372036854775807 + 1",
    "9223372036854775807 * 2",
    '[ 1 ] < [ "a" ]',
    "if 1 then 2 else 3",
    "1 && true",
    "assert false; 1",
    "assert 1; 1",
    'throw "foo"',
    'abort "bar"',
    "{ abc = 1; abd = 2; }.abe",
    "let x = { }; in x.a.b",
    "1 2",
    "let x = x; in x",
    "rec { a = b; b = a; }.a",
    "({ a, b ? 1 }: a) { }",
    "({ a, b ? 1 }: a) { a = 1; c = 2; }",
    "let f = { a, b ? 1 }: a; in f { a = 1; c = 2; }",
    "builtins.head [ ]",
    "builtins.length 1",
    "builtins.elemAt [ 1 ] 5",
    'builtins.tryEval (abort "x")',
    'builtins.tryEval (1 + "a")',
    "undefined_variable",
    "with 1; x",
    "1 ++ 2",
    "1 // 2",
]


def test_deep_recursion_is_cut_at_max_call_depth_like_the_reference(oracle) -> None:  # type: ignore[no-untyped-def]
    expr = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 20000"
    expected = nix(oracle, "-E", expr)
    ours = tvix("-E", expr)
    assert expected.returncode == ours.returncode == 1
    message = "error: stack overflow; max-call-depth exceeded"
    assert message in expected.stderr.decode() and message in ours.stderr.decode()
    assert tvix("--max-call-depth", "30000", "-E", expr).stdout == b"20000\n"


def tvix(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tvix_cli.main", "eval", *args], capture_output=True, check=False
    )


def nix(oracle, *args: str) -> subprocess.CompletedProcess[bytes]:  # type: ignore[no-untyped-def]
    return oracle.run("nix-instantiate", "--eval", *args, check=False, cwd="/tmp")


@pytest.mark.parametrize("mode", [[], ["--strict"]], ids=["lazy", "strict"])
@pytest.mark.parametrize("expr", OKAY)
def test_value_prints_as_the_reference_prints_it(oracle, expr: str, mode: list[str]) -> None:  # type: ignore[no-untyped-def]
    expected = nix(oracle, *mode, "-E", expr)
    assert expected.returncode == 0, expected.stderr.decode()
    ours = tvix(*mode, "-E", expr)
    assert ours.stderr.decode() == ""
    assert ours.stdout.decode() == expected.stdout.decode()


@pytest.mark.parametrize("expr", FAILING)
def test_error_reads_as_the_reference_error(oracle, expr: str) -> None:  # type: ignore[no-untyped-def]
    expected = nix(oracle, "--strict", "-E", expr)
    assert expected.returncode == 1
    ours = tvix("--strict", "-E", expr)
    assert ours.returncode == 1
    assert ours.stdout == b""
    assert ours.stderr.decode() == expected.stderr.decode()


SHOW_TRACE = [
    '({ a }: a) (throw "t")',
    "let f = { a }: a; g = x: f x; in g 1",
    'let f = a: b: throw "x"; in f 1 2',
    'let f = n: if (if n == 0 then throw "z" else f (n - 1) == 1) then 1 else 2; in f 9',
    "let f = x: builtins.head x; g = y: f y; in g [ ]",
    "let f = x: x.a; in f { }",
    "let f = { a }: a; g = x: f x; in g { b = 1; }",
]


@pytest.mark.parametrize("expr", SHOW_TRACE)
def test_show_trace_names_the_calls_as_the_reference_does(oracle, expr: str) -> None:  # type: ignore[no-untyped-def]
    expected = nix(oracle, "--strict", "--show-trace", "-E", expr)
    ours = tvix("--strict", "--show-trace", "-E", expr)
    assert ours.returncode == expected.returncode == 1
    assert ours.stderr.decode() == expected.stderr.decode()


@pytest.mark.parametrize(
    "expr",
    [
        '{ a = throw "x"; } ? a',
        '{ a.b = throw "x"; } ? a.b',
        "(builtins.mapAttrs (n: v: throw n) { a = 1; }) ? a",
    ],
)
def test_has_attr_does_not_force_the_value_found(oracle, expr: str) -> None:  # type: ignore[no-untyped-def]
    expected = nix(oracle, "--strict", "-E", expr)
    ours = tvix("--strict", "-E", expr)
    assert (
        (ours.returncode, ours.stdout) == (expected.returncode, expected.stdout) == (0, b"true\n")
    )


@pytest.mark.parametrize("mode", [[], ["--option", "pure-eval", "true"]], ids=["impure", "pure"])
@pytest.mark.parametrize(
    "expr",
    [
        'let throw = abort "x"; in (builtins.tryEval <missing>).success',
        '(builtins.tryEval (builtins.findFile [ ] "missing")).success',
        "<missing/file.nix>",
    ],
)
def test_missing_search_path_entry_is_thrown_as_by_the_reference(  # type: ignore[no-untyped-def]
    oracle, expr: str, mode: list[str]
) -> None:
    """A ThrownError in C++ Nix 2.26: tryEval catches it; uncaught, it reads the same."""
    expected = nix(oracle, "--strict", *mode, "-E", expr)
    ours = tvix("--strict", *mode, "-E", expr)
    assert (ours.returncode, ours.stdout) == (expected.returncode, expected.stdout)
    assert ours.stderr.decode() == expected.stderr.decode()
