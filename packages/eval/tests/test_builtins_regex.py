"""builtins.match and builtins.split against the reference: POSIX extended syntax as libstdc++
reads it (what is refused, escapes, brackets and classes, stacked repetitions), byte-wise
matching, leftmost-longest searching with alternatives, empty matches, context."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any


def _harness() -> Any:
    if "builtins_harness" not in sys.modules:
        path = Path(__file__).with_name("builtins_harness.py")
        spec = importlib.util.spec_from_file_location("builtins_harness", path)
        assert spec is not None and spec.loader is not None
        sys.modules["builtins_harness"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["builtins_harness"])
    return sys.modules["builtins_harness"]


H = _harness()
CTX = (
    'builtins.appendContext "abc" '
    '{ "/nix/store/00000000000000000000000000000000-x" = { path = true; }; }'
)
CTX_A = CTX.replace('"abc"', '"a"', 1)

VALUES = [
    'builtins.match "." "\\n"',
    'builtins.match "a.c" "a\\nc"',
    'builtins.match "[^a]" "\\n"',
    'builtins.match "a$" "a\\n"',
    'builtins.match "^a" "a"',
    'builtins.match "a^b" "ab"',
    'builtins.match "(a|)b" "b"',
    'builtins.match "a|" ""',
    'builtins.match "()" ""',
    'builtins.match "a**" "aaa"',
    'builtins.match "a+*" "aaa"',
    'builtins.match "(a*)*" "aaa"',
    'builtins.match "(a*)+" "aaa"',
    'builtins.match "(a|ab)(c|bcd)(d*)" "abcd"',
    'builtins.match "x{2,3}" "xxx"',
    'builtins.match "x{2}" "xxx"',
    'builtins.match "x}" "x}"',
    'builtins.match "]" "]"',
    'builtins.match "[]]" "]"',
    'builtins.match "[]a]" "a"',
    'builtins.match "[^]]" "a"',
    'builtins.match "[a-]" "-"',
    'builtins.match "[-a]" "-"',
    'builtins.match "[[:alpha:][:digit:]]+" "a1"',
    'builtins.match "[\\\\]" "\\\\"',
    'builtins.match "[\\\\n]" "n"',
    'builtins.match "\\\\(" "("',
    'builtins.match "\\\\{" "{"',
    'builtins.match "[[.a.]]" "a"',
    'builtins.match "[[=a=]]" "a"',
    'builtins.match "a{1}{2}" "aa"',
    'builtins.match "\\\\$" "$"',
    'builtins.match "^" ""',
    'builtins.match "$" ""',
    'builtins.match "a|b|" "c"',
    'builtins.match "(a)(b)?(c)" "ac"',
    'builtins.match "((a)|(b))+" "ab"',
    'builtins.match "(a*)(a*)" "aaa"',
    'builtins.match "(a*?)(a*)" "aaa"',
    'builtins.match "[[:space:]]" " "',
    'builtins.match "[[:punct:]]+" "!-~"',
    'builtins.match "[[:upper:][:lower:]]+" "aB"',
    'builtins.match "[é]" "é"',
    'builtins.match "[é]+" "é"',
    'builtins.match "é*" "éé"',
    'builtins.match ".*\\\\.nix" "foo.nix"',
    'builtins.match "([^/]*)/(.*)" "a/b/c"',
    'builtins.match "(.*)/(.*)" "a/b/c"',
    'builtins.split "(a)|b" "abc"',
    'builtins.split "x" "abc"',
    'builtins.split "" "abc"',
    'builtins.split "(a*)" "xaay"',
    'builtins.split "[[:space:]]+" "a  b c"',
    'builtins.split "(.)" ""',
    'builtins.split "a" "a"',
    'builtins.split "a|ab" "abc"',
    'builtins.split "(a|ab)(c|bcd)" "abcd"',
    'builtins.split "," "a,b,,c,"',
    'builtins.split "(,)|(;)" "a,b;c"',
    'builtins.split "^a" "aaa"',
    'builtins.split "a$" "aaa"',
    'builtins.split "\\n" "a\\nb\\n"',
    'builtins.split "é" "aéb"',
    'builtins.split "." "éa"',
    'builtins.split "x*" "abc"',
    f'builtins.length (builtins.split "b" ({CTX}))',
    f'builtins.getContext (builtins.head (builtins.split "z" ({CTX})))',
    f'builtins.getContext (builtins.head (builtins.split "b" ({CTX})))',
    f'builtins.match "a" ({CTX_A})',
    'builtins.split "a|" "bab"',
    'builtins.split "(a|ab|abc)" "xabcxab"',
    'builtins.split "x*|y" "yxy"',
    'builtins.split "(b|)" "abc"',
    'builtins.split "|a" "aa"',
    'builtins.split "(|a)+" "aa"',
    'builtins.split "(a|b)*" "abcab"',
    'builtins.split "([0-9]+|[a-z]+)" "ab12cd"',
    'builtins.split "\\\\.|-" "1.2-3"',
    'builtins.split "(\\\\.|-)+" "1.-2"',
    'builtins.split "a*" "baaac"',
    'builtins.split "(^|,)x" "x,x"',
    'builtins.split "[[:alpha:]]*|[0-9]" "ab1c"',
]

FULL = [
    'builtins.match "x{,2}" "xx"',
    'builtins.match "x{2,1}" "xx"',
    'builtins.match "x{" "x{"',
    'builtins.match "[z-a]" "a"',
    'builtins.match "[[:foo:]]" "a"',
    'builtins.match "\\\\n" "n"',
    'builtins.match "\\\\}" "}"',
    'builtins.match "\\\\]" "]"',
    'builtins.match "\\\\/" "/"',
    'builtins.match "\\\\-" "-"',
    'builtins.match "a\\\\" "a"',
    'builtins.match "(" ""',
    'builtins.match ")" ")"',
    'builtins.match "a)" "a)"',
    'builtins.match "*a" "a"',
    'builtins.match "+" "+"',
    'builtins.match "?" "?"',
    'builtins.match "a|*b" "b"',
    'builtins.match "(*a)" "a"',
    'builtins.match "[[:alpha:]-z]" "-"',
    'builtins.match "(?:a)" "a"',
    f'builtins.match ({CTX_A}) "a"',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
