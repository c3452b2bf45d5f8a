"""The parser against C++ Nix: every case is parsed by both and the printed trees compared.

``nix-instantiate --parse`` prints C++ Nix's tree in a canonical, parenthesised form, and our
printer prints ours the same way, so each expression is a byte-exact differential test. Valid
expressions go to the reference in batches (a list under ``with {};``, so that free variables
are fine); refusals one by one, comparing the message and the location. The experimental
features that change the syntax (pipe operators, no URL literals) are tested alike, given to
both parsers.
"""

from __future__ import annotations

import itertools
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tvix_eval.errors import ParseError
from tvix_eval.syntax import ast
from tvix_eval.syntax.parser import parse
from tvix_eval.syntax.printer import print_expr
from tvix_eval.syntax.source import Source

BINARY = ["==", "!=", "<", "<=", ">", ">=", "&&", "||", "->", "//", "++", "+", "-", "*", "/"]
NONASSOC = [{"==", "!="}, {"<", "<=", ">", ">="}]


def _nonassoc_pair(a: str, b: str) -> bool:
    return any(a in group and b in group for group in NONASSOC)


OKAY: dict[str, list[str]] = {
    "numbers": [
        "1",
        "0",
        "01",
        "007",
        "1.",
        ".5",
        "01.5",
        "00.5",
        "1.5e-3",
        "1.e3",
        ".5E+3",
        "0.1",
        "123456789.0",
        "1e5",
        "1e-5 / 3",
        "5.0e-5",
        "1.0e20",
        "100000.0",
        "1000000.0",
        "0.0001",
        "0.00001",
        "9223372036854775807",
        "0.0e-400",
        "1.7976931348623157e308",
        "-1",
        "- 1",
        "--1",
        "-1.5",
        "x.1.5",
        "2.5e1",
        "1.25",
        "3.0",
        "1.0e-5",
        "0.5e-307",
    ],
    "identifiers": [
        "a",
        "a-b",
        "a'b",
        "_a",
        "__a",
        "a_b-c'd",
        "__curPos",
        "x.__curPos",
        "if-x",
        "f or",
        "(f or) x",
        "[ f or ]",
        "{ or = 1; }",
        "x.or",
        "x.a.or",
        "{ inherit or; }",
        "a.b or c",
        "a.b or c.d or e",
        "a.b or c or",
        'x."or"',
        "true",
        "null",
    ],
    "operators": [
        *(f"a {o} b" for o in BINARY),
        *(
            f"a {o1} b {o2} c"
            for o1, o2 in itertools.product(BINARY, BINARY)
            if not _nonassoc_pair(o1, o2)
        ),
        *(f"{p}a {o} b" for p in "!-" for o in BINARY),
        *(
            f"a {o1} {p}b {o2} c"
            for p in "!-"
            for o1, o2 in [
                ("+", "*"),
                ("*", "+"),
                ("==", "//"),
                ("//", "=="),
                ("++", "+"),
                ("->", "&&"),
                ("<", "-"),
            ]
        ),
        "a ? b",
        "a ? b.c",
        'a ? "b"',
        "a ? ${b}",
        'a ? "${b}"',
        'a ? b.${c}."d"',
        "a ? b ? c",
        "-a ? b",
        "!a ? b",
        "a + b ? c",
        "a ? b + c",
        "a ++ b ? c",
        "a ? b ++ c",
        "!!a",
        "--a",
        "-!a",
        "!-a",
        "!a.b",
        "-a.b",
        "-f x",
        "!f x",
        "a - -b",
        "a * -b",
        "a || b && c",
        "a -> b -> c",
        "a // b // c",
        "a ++ b ++ c",
        "a + b + c",
        "a - b - c",
        "a * b / c",
        "(a < b) c",
        "(a > b) c",
        "(a <= b) c",
        "(a - b) c",
        "(a + b) c",
        "(-a) b",
        "<x> y",
        "a.b.c d.e",
        "f x y z",
        "(f x) y",
        "f (x y)",
    ],
    "strings": [
        '""',
        '"a"',
        r'"\n\t\r\\\$\""',
        '"a${b}c"',
        '"${a}"',
        '"$${a}"',
        '"$"',
        '"a$"',
        r'"\${a}"',
        '"a\nb"',
        '"${a}${b}"',
        '"a${"b${c}"}"',
        '"é"',
        '"$$"',
        '"a$$b"',
        r'"\a\b\c"',
        '"${a}b${c}d"',
        '"{}"',
        '"$ {a}"',
        r'"$\n"',
        '"}"',
        '"${ { a = "}"; }.a }"',
        "''''",
        "''a''",
        "'' a ''",
        "''\n  a\n  b\n''",
        "''\n  a\n   b\n  ''",
        "''\n\n  a\n''",
        "''\n  a\n\n  b\n''",
        "''  \n  a''",
        "'' \t\n  a''",
        "''\n    a\n  b''",
        "''\n  a ${b}\n  c\n''",
        "''\n  ${b}\n    c\n''",
        "''\n  a\n  ''",
        "''\n  a\n  b ''",
        "''${''a''}''",
        "''${\"\"}''",
        "{ ${''${\"a\"}''} = 1; }",
        "''${''a''$''}''",
        "''${http://x}''",
        "''a''$b''",
        "''a'''b''",
        "''a''\\nb''",
        "''a''\\tb''",
        "''$''",
        "''$a''",
        "''a$''",
        "''a'''",
        "'''''",
        "''\n  ''$\n  a''",
        "''\n  ''\\ a\n  b''",
        "''\n   ''\\ a\n  b''",
        "''\n  a\n ''",
        "''\n\ta\n''",
        "''${a}''",
        "''${a}${b}''",
        "''\n  ${a}\n''",
        "'' ${a} ''",
        "''\n    a\n  ${b}\n''",
        "''\n  a\r\n  b''",
        "''a'${b}''",
        "''a'$''",
        "''\n  x\n    y\n      ''",
        "''x\n  y\n''",
        "''\n\n''",
        "''\n  \n  a\n''",
        '"\r\n"',
        '"a\rb"',
    ],
    "paths": [
        "./a",
        "../a",
        "a/b",
        "/a",
        "~/a",
        "<nixpkgs>",
        "<nixpkgs/x>",
        "<a.b/c-d_e+f>",
        "./a/${b}/c",
        "./a/${b}",
        "a/${b}",
        "~/${b}",
        "./${b}",
        "/${b}",
        "./a/${b}c//d",
        "./a.b-c+d_e",
        "1/2",
        "./a//b${x}",
        "./.",
        "../..",
        "/a/../../b",
        "./a/./b/../c",
        "~/a/../b",
        "./a/${b}${c}",
        "./a/${b}.${c}",
        "a/b/c",
        './a/${"b"}',
        "-a/b",
        "+a/b",
        "./a/${b} c",
        "[ ./a ./b ]",
        "./a.b",
        "_/a",
        "a.b/c",
    ],
    "uris": ["https://x.org/a?b=c", "x:x", "a+b:c", "mailto:a@b.c", "f http://x.y/z"],
    "sets": [
        "{}",
        "{ }",
        "{ a = 1; }",
        "rec { a = 1; b = a; }",
        "{ a.b = 1; a.c = 2; }",
        "{ a = { b = 1; }; a.c = 2; }",
        "{ a.c = 2; a = { b = 1; }; }",
        '{ "a b" = 1; }',
        '{ ${"a"} = 1; }',
        "{ ${a} = 1; }",
        '{ "${a}" = 1; }',
        "{ a.${b}.c = 1; }",
        "{ inherit a b; }",
        "{ inherit (x) a b; inherit (y) c; }",
        '{ inherit "a"; }',
        "{ a = rec { b = 1; }; a.c = 2; }",
        "{ x = { inherit (a) b; }; x = { inherit (c) d; }; }",
        "{ ${''a''} = 1; }",
        "{ ${''a''$''} = 1; }",
        '{ ${"a" + "b"} = 1; }',
        '{ "" = 1; }',
        "{ a.or = 1; }",
        "{ a = 1; }.a",
        "{ a = {}; a.b = {}; a.b.c = 1; }",
        "{ a = { b = 1; }; a = { c = 2; }; }",
        "{ a = { ${x} = 1; }; a = { ${y} = 2; }; }",
        '{ "if" = 1; "1a" = 2; "é" = 3; }',
        "{ a = ({ b = 1; }); a.c = 2; }",
        "{ inherit; }",
        "{ inherit (x); }",
        '{ "a.b" = 1; }',
        "{ a.b.c = 1; a.b.d = 2; }",
        '{ a."b" = 1; a.${"c"} = 2; }',
        "{ ${a}.b = 1; ${a}.c = 2; }",
        "{ a = { inherit b; }; a.c = 1; }",
        "{ inherit ({ a = 1; }) a; b = 2; }",
        "{ inherit (y) b; inherit (x) a; }",
        "{ z = 1; a = 2; m = 3; inherit c; inherit (q) b; }",
        "{ ${x}.${y} = 1; }",
        '{ "${x}${y}" = 1; }',
        "{ a = { b = { c = 1; }; }; a = { b = { d = 1; }; }; }",
        "{ a = { c = 2; }; a.b = 1; a = { d = 3; }; }",
        "{ a = { b.c = 1; }; a = { b.d = 2; e = 3; }; }",
        "x: z: { a = { inherit (x) y; }; a = { inherit (z) b; }; }",
        "{ a = { inherit (x) y; }; a.z = 1; }",
    ],
    "bindings": [
        "let a = 1; in a",
        "let in 1",
        "let inherit a; in a",
        "let a.b = 1; in a",
        "let a.${b} = 1; in a",
        "let { a = 1; body = a; }",
        "let { }",
        "let { ${a} = 1; }",
        "let inherit (x) a; b = a; in b",
        "let a = 1; b = 2; in let c = 3; in a",
        "let a = { b = 1; }; a.c = 2; in a",
        "let or = 1; in x.or",
        "with a; b",
        "assert a; b",
        "if a then b else c",
        "with a; with b; c",
        "assert a; assert b; c",
        "if a then if b then c else d else e",
        "if a then b else if c then d else e",
        "with a; x: y",
        "assert a; x: y",
        "let a = 1; in x: y",
        "if a then x: y else z: w",
        "with {}; a",
        "assert a == b; c",
    ],
    "functions": [
        "x: x",
        "{ }: 1",
        "{ ... }: 1",
        "{ a, b ? 1, ... }: a",
        "{ a, }: a",
        "{ b, a }: a",
        "x @ { a }: a",
        "{ a } @ x: a",
        "{ a ? x: x }: a",
        "x: y: z",
        "{ a ? b ? c }: a",
        "{ a ? 1 + 2, b ? { }, c ? [ ] }: a",
        "x@{ ... }: x",
        "{ ... }@x: x",
        "{ z, a, m }: a",
        "{ a, b, ... }: a",
        "{ a ? b: c, d }: a",
        "x: { a }: b: c",
        "{}: {}",
        "[ ]",
        "[ 1 2 ]",
        "[ (f x) ]",
        "[ f x ]",
        "[ a.b or c ]",
        "[ [ ] [ [ ] ] ]",
        "[ {} rec {} let {} ]",
        '[ "a" ./a <a> x:x ]',
        "[ (a: b) ]",
    ],
    "comments": [
        "# c\n1",
        "1 # c",
        "/* c */ 1",
        "1 /* c */",
        "/**/ 1",
        "/***/1",
        "/* * / */ 1",
        "a /* c */ . /* d */ b",
        "/* a\n b */ x",
        "a#c\n+b",
        "{ /* c */ a = 1; # d\n }",
        "x /* ** */ y",
    ],
}

REFUSED: list[str] = [
    "(1",
    "{ a",
    "let",
    "let a",
    "if",
    "x:",
    "{ a = 1",
    "[ 1",
    '"',
    "a.",
    "a ?",
    "a: b @",
    "{a}@",
    "{ a.b = 1; a = 2; }",
    "{ a = {b=1;}; a = {b=2;}; }",
    "{ a = 1; inherit a; }",
    "let ${a} = 1; in 1",
    "{ inherit ${a}; }",
    "{ a, b, a }: 1",
    "a@{a}: 1",
    "{a}@a: 1",
    "./a//b",
    "x ./a//b",
    "(./a",
    "''abc",
    '"abc$',
    '"abc\\',
    "{ a,",
    "1 )",
    "./a/",
    "./a/ ",
    "99999999999999999999",
    "1.0e400",
    "1.0e-310",
    "1 |> f",
    "1 <| f",
    "%",
    "é",
    "a == b == c",
    "a < b < c",
    "a == b != c",
    "a <= b >= c",
    "a == !b == c",
    "a < -b > c",
    "{ a = 1; a = 2; }",
    "{ a.b = 1; a.b = 2; }",
    "{ a = {b=1;}; a.b = 2; }",
    "{ x.a = {b=1;}; x.a = {b=2;}; }",
    "{ a = 1; a.b = 2; }",
    "{ inherit a; a.b = 1; }",
    "{ inherit (x) a; a.b = 1; }",
    "let a = 1; a = 2; in a",
    "{ a, b, b, a }: 1",
    "{ b, a, b, a }: 1",
    "a.b or",
    "[ -1 ]",
    "{ ... , a }: 1",
    "{ a, ... , }: 1",
    "assert",
    "with a",
    "if a then b",
    "a b c d )",
    "}",
    "{ } }",
    '"${"',
    '"${}"',
    "''${''",
    "/* unterminated",
    "{ inherit a a; }",
    "{ inherit (x) a; inherit (y) a; }",
    "let { a = 1; a = 2; }",
    "{ a.${b} = 1; a = 2; }",
    "a: b: a: {",
    "{ ${a}.b = 1; x = ; }",
    "x: { a = 1; a = 2; } (",
    "{ a = 1; a = 2; } )",
    "~/a//b",
    "x.${",
    '"\\',
    "''",
    "a ? b c",
    "!",
    "-",
    "a +",
    "a + * b",
    "{ a = 1; } ? ",
    "{ a.b.c = 1; a.b = 1; }",
    "{ a = { b = 1; }; a.b.c = 2; }",
    "{ a = { b = { c = 1; }; }; a = { b.c = 2; }; }",
    "{ a = { b = { c = 1; }; }; a.b = { c = 2; }; }",
    "{ a.b.c.d = 1; a.b = 2; }",
    '{ a = 1; ${"a"}.b = 2; }',
    "{ a = {}; a = 1; }",
    "let inherit a; a = 1; in a",
    "{ = 1; }",
    "{ a = 1 }",
    "{ a }",
    "f x:",
    "let or = 1; in or",
    "[ a: b ]",
    "{ a ? 1 }",
    "x:\n\n  y +\n",
    "let\n  a = 1;\n  b = ;\nin\n  a\n",
    "{\n  a = 1;\n  a = 2;\n}\n",
    "rec",
    "rec {",
    "inherit",
    "...",
    "a...",
    "=",
    "@",
    ";",
    "a;b",
    "\\",
    "`",
    "a.b.c.",
    "{ a = 1; }.${b",
    "{ inherit (a b; }",
    '{ "a" }',
    '"${a}" = 1',
    "1 2 ; 3",
    "''\\",
]


@pytest.fixture(scope="module")
def oracle_home(oracle: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The home folder the reference resolves ``~`` against."""
    file = tmp_path_factory.mktemp("home") / "home.nix"
    file.write_text("~/x")
    out: str = oracle.out("nix-instantiate", "--parse", file)
    assert out.endswith("/x")
    return out[:-2]


def ours(file: Path, home: str, features: tuple[str, ...] = ()) -> str:
    text = file.read_bytes().decode("utf-8", "surrogateescape")
    return print_expr(parse(Source(str(file), text, str(file)), features=features), home=home)


def _flags(features: tuple[str, ...]) -> list[str]:
    """The reference's arguments enabling ``features``."""
    return ["--extra-experimental-features", " ".join(features)] if features else []


@pytest.mark.parametrize("group", sorted(OKAY))
def test_prints_like_the_reference(
    group: str, oracle: Any, oracle_home: str, tmp_path: Path
) -> None:
    _check_prints(oracle, oracle_home, tmp_path / f"{group}.nix", OKAY[group])


def _check_prints(
    oracle: Any, home: str, file: Path, exprs: list[str], features: tuple[str, ...] = ()
) -> None:
    """``exprs`` (in one file) print as the reference prints them, with ``features``."""
    file.write_text("with {}; [\n" + "".join(f"({e}\n)\n" for e in exprs) + "]\n")
    reference = oracle.out("nix-instantiate", "--parse", *_flags(features), file)
    mine = ours(file, home, features)
    if mine == reference:
        return
    # Name the first expression that prints differently.
    tree = parse(Source(str(file), file.read_text(), str(file)), features=features)
    assert isinstance(tree, ast.With) and isinstance(tree.body, ast.List)
    pos = len("(with { }; [ ")
    for expr, node in zip(exprs, tree.body.elems, strict=True):
        shown = "(" + print_expr(node, home=home) + ") "
        if not reference.startswith(shown, pos):
            pytest.fail(f"{expr!r}: we print {shown!r}, the reference {reference[pos:][:200]!r}")
        pos += len(shown)
    assert mine == reference


def _reference_refusal(oracle: Any, file: Path, features: tuple[str, ...] = ()) -> list[str]:
    result = oracle.run("nix-instantiate", "--parse", *_flags(features), file, check=False)
    assert result.returncode != 0, f"the reference accepts {file.read_text()!r}"
    return result.stderr.decode("utf-8", "surrogateescape").splitlines()


def test_refuses_like_the_reference(oracle: Any, tmp_path: Path) -> None:
    _check_refusals(oracle, tmp_path, REFUSED)


def _check_refusals(
    oracle: Any, tmp_path: Path, texts: list[str], features: tuple[str, ...] = ()
) -> None:
    """Each of ``texts`` is refused with the reference's message, at its place."""
    files = []
    for i, text in enumerate(texts):
        file = tmp_path / f"case{i}.nix"
        file.write_text(text)
        files.append(file)
    with ThreadPoolExecutor(4) as pool:
        references = list(pool.map(lambda f: _reference_refusal(oracle, f, features), files))
    failures = []
    for text, file, reference in zip(texts, files, references, strict=True):
        try:
            ours(file, "/", features)
        except ParseError as error:
            mine = error.render().splitlines()
        else:
            failures.append(f"{text!r}: we accept it; the reference says {reference[:2]}")
            continue
        if mine[:2] != reference[:2]:
            failures.append(f"{text!r}: we say {mine[:2]}, the reference {reference[:2]}")
    assert not failures, "\n".join(failures)


def test_null_bytes(oracle: Any, oracle_home: str, tmp_path: Path) -> None:
    """A NUL in code ends the text (flex hands bison a 0); in a string it is an error."""
    code = tmp_path / "code.nix"
    code.write_bytes(b"1\0 y z")
    assert ours(code, oracle_home) == oracle.out("nix-instantiate", "--parse", code)
    string = tmp_path / "string.nix"
    string.write_bytes(b'"a\0b"')
    with pytest.raises(ParseError) as info:
        ours(string, oracle_home)
    assert info.value.render().splitlines()[:2] == _reference_refusal(oracle, string)[:2]


def test_non_utf8_source_round_trips(oracle: Any, oracle_home: str, tmp_path: Path) -> None:
    file = tmp_path / "bytes.nix"
    file.write_bytes(b"{ \"\xff\" = \"\xfe\xc3\"; a = ''\n  \xe9\n''; }")
    reference = oracle.run("nix-instantiate", "--parse", file).stdout.rstrip(b"\n")
    assert ours(file, oracle_home).encode("utf-8", "surrogateescape") == reference


def test_carriage_returns_and_columns(oracle: Any, tmp_path: Path) -> None:
    """Lines end at LF, CR LF or CR; columns count bytes."""
    for i, data in enumerate([b"a\r\nb )\r\n", b"a\rb )", b'"\xc3\xa9" )', b"\t\tx )"]):
        file = tmp_path / f"cr{i}.nix"
        file.write_bytes(data)
        with pytest.raises(ParseError) as info:
            ours(file, "/")
        assert info.value.render().splitlines()[:2] == _reference_refusal(oracle, file)[:2]


def test_deep_nesting_parses_without_recursion() -> None:
    """lark's LALR loop is iterative and so are our reductions: no recursion limit."""
    depth = 100_000
    tree = parse(Source("«string»", "(" * depth + "1" + ")" * depth))
    assert isinstance(tree, ast.Int)
    tree = parse(Source("«string»", "[" * 20_000 + "]" * 20_000))
    assert isinstance(tree, ast.List)


SOUP = [
    "a",
    "b",
    "or",
    "if",
    "then",
    "else",
    "let",
    "in",
    "rec",
    "inherit",
    "with",
    "assert",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ":",
    "=",
    ".",
    ",",
    "?",
    "@",
    "...",
    '"s"',
    '"${',
    "''x''",
    "''${",
    "${",
    "1",
    "2.5",
    "./p",
    "./p/${",
    "<p>",
    "~/p",
    "u:v",
    "+",
    "-",
    "*",
    "/",
    "//",
    "++",
    "==",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "&&",
    "||",
    "->",
    "!",
    "#c\n",
    "/*c*/",
    "$",
    "\\",
    '"',
    "''",
    "__curPos",
]


def test_random_token_sequences(oracle: Any, oracle_home: str, tmp_path: Path) -> None:
    """Short random sequences of Nix tokens (a fixed seed): accepted and printed alike, or
    refused with the same message at the same place."""
    _check_soup(oracle, oracle_home, tmp_path, random.Random(2026), SOUP)


def _check_soup(
    oracle: Any,
    home: str,
    tmp_path: Path,
    rng: random.Random,
    soup: list[str],
    features: tuple[str, ...] = (),
) -> None:
    texts = [
        "a: b: " + " ".join(rng.choice(soup) for _ in range(rng.randrange(1, 12)))
        for _ in range(60)
    ]
    files = []
    for i, text in enumerate(texts):
        file = tmp_path / f"soup{i}.nix"
        file.write_text(text)
        files.append(file)

    def reference(file: Path) -> str:
        result = oracle.run("nix-instantiate", "--parse", *_flags(features), file, check=False)
        if result.returncode == 0:
            return str(result.stdout.decode().rstrip("\n"))
        lines = result.stderr.decode("utf-8", "surrogateescape").splitlines()
        return "\n".join(line for line in lines if not line.startswith("warning:"))[:2000]

    with ThreadPoolExecutor(4) as pool:
        references = list(pool.map(reference, files))
    failures = []
    for text, file, expected in zip(texts, files, references, strict=True):
        try:
            mine = ours(file, home, features)
        except ParseError as error:
            mine = error.render()
            expected_head = expected.splitlines()[:2]
            if mine.splitlines()[:2] != expected_head:
                failures.append(f"{text!r}: we say {mine.splitlines()[:2]}, not {expected_head}")
            continue
        if mine != expected:
            failures.append(f"{text!r}: we print {mine!r}, the reference {expected[:300]!r}")
    assert not failures, "\n".join(failures)


# -- the experimental features that change the syntax ----------------------------------------

PIPES = ("pipe-operators",)

#: With pipe-operators: ``|>`` and ``<|`` below every other operator, each its own way, and
#: a pipe into a call (``f b``, ``-b``, ``b - c``, ``<p>``...) adding an argument to it.
PIPES_OKAY = [
    "a |> f",
    "a|>f",
    "x<|y",
    "a |> f |> g",
    "f <| a",
    "f <| g <| a",
    "a |> f b",
    "a |> f b c",
    "a |> (f b)",
    "f b <| a",
    "(f b) <| a",
    "a |> -b",
    "a |> - - b",
    "- a |> b",
    "a |> b - c",
    "a |> b * c",
    "a |> b / c",
    "a |> b < c",
    "a |> b > c",
    "a |> b <= c",
    "a |> b >= c",
    "a |> b + c",
    "a |> b ++ c",
    "a |> b // c",
    "a |> b == c",
    "a |> b != c",
    "a |> b && c",
    "a |> b -> c",
    "a -> b |> c",
    "a || b |> c",
    "c <| a -> b",
    "!a |> b",
    "a |> !b",
    "a |> b ? c",
    "a |> b.c",
    "a |> b.c or d",
    "a |> <p>",
    "a |> f or",
    "a |> (f or)",
    "a |> (x: x)",
    "a |> x.y.z",
    '"${a |> f}"',
    "a: a |> f",
    "a: f <| a",
    "if a then b else c |> f",
    "if a |> f then b <| c else d",
    "assert a |> f; b |> g",
    "with a |> f; b <| c",
    "let x = a |> f; in x |> g",
    "{ x = a |> f; y = g <| b; }",
    "{ a ? b |> c }: a",
    "[ (a |> f) ]",
    "(a |> f).x",
    "(a |> f) b",
    "f (a |> g)",
    "a |> (b <| c)",
    "(a |> b) <| c",
    "a |> (b |> c)",
    "{ ${a |> f} = 1; }",
]

PIPES_REFUSED = [
    "a |> b <| c",
    "a <| b |> c",
    "a |> f |> g <| h",
    "x: y |> z <| w",
    "a |> x: x",
    "a |> if a then b else c",
    "a |> assert b; c",
    "a |> let x = 1; in x",
    "a |> with b; c",
    "[ a |> f ]",
    "f a |> g b",
    "a |>",
    "<| a",
    "|> a",
    "a |> b |>",
    "a |> b <|",
    "a <| b <|",
    "(a |> b",
    "a |> b)",
    "a |> b; c",
    "{ x = a |> ; }",
    "a ||> b",
    "a <|| b",
    "a <|> b",
    "a |> b ? c |> d <| e",
    "a.b |> c.",
    "{ a = 1; a = 2; } |> f",
    "a |> { a = 1; a = 2; }",
    "a |> ./a//b",
]

#: With no-url-literals: what looks like a URL but is none still parses.
NO_URLS_OKAY = ['"http://x.org/y"', "a: b", "{ a ? b }: a", "x: x", "a :b", '"${a}:b"']

NO_URLS_REFUSED = [
    "http://x.org/y",
    "x:x",
    "[ a:b ]",
    "f a:b",
    "{ x = http://a; y = a:b; }",
    "http://x ++",
    "[ http://x )",
    "{ a = 1; a = http://x; }",
    "a: b: http://x a: {",
    "a:b: c",
]


def test_pipe_operators_print_like_the_reference(
    oracle: Any, oracle_home: str, tmp_path: Path
) -> None:
    _check_prints(oracle, oracle_home, tmp_path / "pipes.nix", PIPES_OKAY, PIPES)


def test_pipe_operators_refused_like_the_reference(oracle: Any, tmp_path: Path) -> None:
    _check_refusals(oracle, tmp_path, PIPES_REFUSED, PIPES)


def test_random_token_sequences_with_pipes(oracle: Any, oracle_home: str, tmp_path: Path) -> None:
    soup = [*SOUP, "|>", "<|", "|>", "<|"]
    _check_soup(oracle, oracle_home, tmp_path, random.Random(1148), soup, PIPES)


def test_without_url_literals_like_the_reference(
    oracle: Any, oracle_home: str, tmp_path: Path
) -> None:
    features = ("no-url-literals",)
    _check_prints(oracle, oracle_home, tmp_path / "no-urls.nix", NO_URLS_OKAY, features)
    _check_refusals(oracle, tmp_path, NO_URLS_REFUSED, features)
