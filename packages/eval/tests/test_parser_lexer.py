"""The lexer cuts text as C++ Nix's flex scanner (src/libexpr/lexer.l) does.

Token boundaries follow from flex's rules (longest match, first rule on ties); the parse and
print tests in test_parser_reference.py check the same cases end to end against the reference.
"""

from __future__ import annotations

import pytest
from tvix_eval.errors import ParseError
from tvix_eval.syntax.lexer import tokenize
from tvix_eval.syntax.source import Source


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.type, t.value) for t in tokenize(Source("«string»", text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numbers: a float needs a dot; '01.5' is an integer then a float
        ("1.", [("FLOAT_LIT", "1.")]),
        (".5", [("FLOAT_LIT", ".5")]),
        ("1e5", [("INT_LIT", "1"), ("ID", "e5")]),
        ("01.5", [("INT_LIT", "01"), ("FLOAT_LIT", ".5")]),
        ("1.5e-3", [("FLOAT_LIT", "1.5e-3")]),
        # identifiers and keywords
        ("a-b'c_", [("ID", "a-b'c_")]),
        ("if-x", [("ID", "if-x")]),
        ("or", [("OR_KW", "or")]),
        ("__curPos", [("ID", "__curPos")]),
        # paths, longer than any identifier or number they start with
        ("1/2", [("PATH", "1/2"), ("PATH_END", "")]),
        ("a/b", [("PATH", "a/b"), ("PATH_END", "")]),
        ("~/a", [("HPATH", "~/a"), ("PATH_END", "")]),
        ("<nixpkgs/x>", [("SPATH", "<nixpkgs/x>")]),
        (
            "a/${b}c",
            [
                ("PATH", "a/"),
                ("DOLLAR_CURLY", "${"),
                ("ID", "b"),
                ("RBRACE", "}"),
                ("STR", "c"),
                ("PATH_END", ""),
            ],
        ),
        # URIs, even without slashes
        ("x:x", [("URI", "x:x")]),
        ("https://x.org/a?b=c", [("URI", "https://x.org/a?b=c")]),
        # operators
        ("a//b", [("ID", "a"), ("UPDATE", "//"), ("ID", "b")]),
        ("...", [("ELLIPSIS", "...")]),
        ("->", [("IMPL", "->")]),
        # comments
        ("a /* x */ # y\n b", [("ID", "a"), ("ID", "b")]),
        ("%", [("INVALID", "%")]),
    ],
)
def test_tokens(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


def test_string_escapes_and_dollars() -> None:
    assert kinds(r'"a\n\t\r\\\$\"$${x}$"') == [
        ("DQUOTE", '"'),
        ("STR", 'a\n\t\r\\$"$${x}$'),
        ("DQUOTE", '"'),
    ]


def test_string_carriage_returns_become_newlines() -> None:
    assert kinds('"a\r\nb\rc"')[1] == ("STR", "a\nb\nc")


def test_indented_string_escapes() -> None:
    assert kinds("''a''$'''''\\n$'x'${y}''") == [
        ("IND_STRING_OPEN", "''"),
        ("IND_STR", "a"),
        ("IND_STR_ESC", "$"),
        ("IND_STR_ESC", "''"),
        ("IND_STR_ESC", "\n"),
        ("IND_STR_ESC", "$"),
        ("IND_STR", "'x"),
        ("IND_STR_ESC", "'"),
        ("DOLLAR_CURLY", "${"),
        ("ID", "y"),
        ("RBRACE", "}"),
        ("IND_STRING_CLOSE", "''"),
    ]


def test_interpolation_nesting_counts_braces() -> None:
    tokens = kinds('"${ { a = "${x}"; }.a }!"')
    assert tokens[-2:] == [("STR", "!"), ("DQUOTE", '"')]


def test_non_utf8_bytes_survive() -> None:
    text = b'"\xff\xfe"'.decode("utf-8", "surrogateescape")
    value = kinds(text)[1][1]
    assert value.encode("utf-8", "surrogateescape") == b"\xff\xfe"


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("./a/", "path has a trailing slash", 0),
        ("./a/ ", "path has a trailing slash", 4),
        ("99999999999999999999", "invalid integer '99999999999999999999'", 0),
        ("1.0e400", "invalid float '1.0e400'", 0),
        ("1.0e-310", "invalid float '1.0e-310'", 0),
    ],
)
def test_lexical_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(ParseError) as info:
        tokenize(Source("«string»", text))
    assert info.value.message == message
    assert info.value.span is not None and info.value.span.start == offset
