"""toJSON, fromJSON and fromTOML against the reference: number formatting, escapes, context,
positions and traces of values that cannot be converted, and fromJSON's refusals with
nlohmann::json's exact message, line, column and last-read text."""

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
    'builtins.appendContext "a" '
    '{ "/nix/store/00000000000000000000000000000000-x" = { path = true; }; }'
)

VALUES = [
    "builtins.toJSON [ 1.0 0.5 100.0 1.5e-7 0.0001 0.00001 123456789012345.0 1.0e15 ]",
    "builtins.toJSON [ 1234567890123456.0 100000000000000.0 1000000000000000.0 12.0 ]",
    "builtins.toJSON [ (0.0 - 1.5) 1.0e16 9.999e14 0.00012 ]",
    'builtins.fromTOML "a = 1"',
    "builtins.fromTOML ''a = 1.5''",
    'builtins.fromTOML "[x]\\ny = [1, 2]\\nz = \\"s\\""',
    'builtins.fromTOML "a = true\\nb = inf\\nc = nan\\nd = -inf"',
    'builtins.fromTOML "a = 0x10\\nb = 0o10\\nc = 0b10\\nd = 1_000"',
    'builtins.fromTOML "a = 9223372036854775807"',
    'builtins.fromTOML "[[t]]\\nx = 1\\n[[t]]\\nx = 2"',
    'builtins.fromTOML "a = { b = 1 }"',
    'builtins.fromTOML ""',
    'builtins.fromTOML "a = 1e3"',
    "builtins.fromTOML \"a = 'lit'\"",
    'builtins.fromTOML "\\"quoted key\\" = 1"',
    'builtins.fromTOML "a.b.c = 1"',
    'builtins.fromJSON "\\"\\\\u00e9\\""',
    'builtins.fromJSON "9223372036854775807"',
    'builtins.fromJSON "-9223372036854775808"',
    'builtins.fromJSON "18446744073709551616"',
    'builtins.fromJSON "1.0"',
    'builtins.fromJSON "1E2"',
    'builtins.fromJSON "-0"',
    'builtins.fromJSON "{\\"a\\":1,\\"a\\":2}"',
    'builtins.fromJSON " [ ] "',
    "builtins.toJSON 1.0",
    "builtins.toJSON 0.1",
    "builtins.toJSON 1.5e-7",
    "builtins.toJSON 123456789.123",
    "builtins.toJSON (-0.0)",
    'builtins.toJSON "\\u0001\\u001f\\u007f"',
    'builtins.toJSON "é/"',
    "builtins.toJSON { b = 1; a = [ null true ]; }",
    'builtins.toJSON { __toString = s: "x"; }',
    'builtins.toJSON { outPath = "y"; a = 1; }',
    "builtins.toJSON { outPath = 1; }",
    "builtins.toJSON 100000000000000000000.0",
    'builtins.fromJSON "\\"\\\\ud83d\\\\ude00\\""',
    'builtins.fromJSON "[true, false, null]"',
    'builtins.fromJSON "{\\"a\\": [1, {\\"b\\": null}], \\"c\\": \\"\\\\n\\\\\\"\\\\\\\\\\\\/\\"}"',
    'builtins.fromJSON "\\"é\\""',
    'builtins.fromJSON "1.5e3"',
    'builtins.fromJSON "-1.5E-3"',
    'builtins.fromJSON "0.1"',
    'builtins.fromJSON "1e308"',
    'builtins.fromJSON "-9223372036854775809"',
    'builtins.fromJSON "123456789012345678901234567890"',
    'builtins.fromJSON "[[[[[]]]]]"',
    'builtins.fromJSON "{\\"\\":1}"',
    'builtins.fromJSON "[\\"a\\",1,{\\"x\\":[]}]"',
    'builtins.toJSON "\\n\\t\\r\\b\\f\\"\\\\/"',
    'builtins.toJSON (builtins.fromJSON "\\"\\\\u0001\\\\u001f\\\\u007f\\"")',
    "builtins.toJSON [ 0.1 0.2 0.30000000000000004 3.141592653589793 2.5e-300 ]",
    "builtins.toJSON [ 1.7976931348623157e308 2.2250738585072014e-308 ]",
    "builtins.toJSON { a = { b = [ { } ]; }; }",
    'builtins.toJSON { "é" = 1; "a b" = 2; }',
    f"builtins.toJSON ({CTX})",
    f"builtins.getContext (builtins.toJSON [ ({CTX}) ])",
    "builtins.toJSON { outPath = { a = 1; }; }",
    'builtins.fromTOML "a = [ 1, \\"x\\", [ true ] ]\\n[b.c]\\nd = -0.0\\ne = +inf"',
    'builtins.fromTOML "x = \\"\\"\\"\\nmulti\\nline\\"\\"\\"\\ny = \'\'\'raw\\\\n\'\'\'"',
    'builtins.fromTOML "[t]\\n[t.u]\\nv = 1\\n[[w]]\\n[[w]]\\nz = 2"',
    'builtins.fromTOML "a = 1 # comment\\n# another\\nb = \\"#\\""',
    'builtins.fromTOML "a = { b = { c = [ { d = 1 } ] } }"',
    'builtins.fromTOML "a = -9223372036854775808"',
    'fromTOML "a = 1"',
]

FULL = [
    'builtins.fromTOML "a = 1979-05-27T07:32:00Z"',
    'builtins.fromTOML "a = 1979-05-27"',
    'builtins.fromTOML "a = 07:32:00"',
    'builtins.fromTOML "a = 1979-05-27T07:32:00"',
    "builtins.fromTOML 1",
    'builtins.fromJSON "1e400"',
    'builtins.fromJSON "{"',
    'builtins.fromJSON "[1,2"',
    'builtins.fromJSON ""',
    'builtins.fromJSON "nul"',
    'builtins.fromJSON "1 2"',
    'builtins.fromJSON "9223372036854775808"',
    'builtins.fromJSON "18446744073709551615"',
    'builtins.fromJSON "[NaN]"',
    'builtins.fromJSON "\\"\\\\ud800\\""',
    'builtins.fromJSON "01"',
    'builtins.fromJSON "{\\"a\\" 1}"',
    "builtins.toJSON [ (x: x) ]",
    "builtins.toJSON builtins.map",
    'builtins.toJSON { a = throw "x"; }',
    "builtins.toJSON { a = x: x; }",
    'builtins.fromJSON "[1,]"',
    'builtins.fromJSON "{\\"a\\":1,}"',
    'builtins.fromJSON "{\\"a\\":1"',
    'builtins.fromJSON "{1:1}"',
    'builtins.fromJSON "[1 2]"',
    'builtins.fromJSON "-"',
    'builtins.fromJSON "-a"',
    'builtins.fromJSON "1."',
    'builtins.fromJSON "1.e5"',
    'builtins.fromJSON "1e"',
    'builtins.fromJSON "1e+"',
    'builtins.fromJSON "\\"abc"',
    'builtins.fromJSON "\\"a\\nb\\""',
    'builtins.fromJSON "\\"a\\tb\\""',
    'builtins.fromJSON "\\"\\\\x\\""',
    'builtins.fromJSON "\\"\\\\u12\\""',
    'builtins.fromJSON "\\"\\\\udc00\\""',
    'builtins.fromJSON "\\"\\\\ud800\\\\u0041\\""',
    'builtins.fromJSON "tru"',
    'builtins.fromJSON "truex"',
    'builtins.fromJSON "  \\n [1,\\n  x]"',
    'builtins.fromJSON "\\n\\n  }"',
    'builtins.fromJSON "/* c */ 1"',
    'builtins.fromJSON "1 // c"',
    'builtins.fromJSON "[1, nul"',
    'builtins.fromJSON "[1, nulx]"',
    'builtins.fromJSON "   "',
    'builtins.fromJSON "-1e400"',
    'builtins.fromJSON "\\"\\\\u0000\\""',
    'builtins.fromJSON "ÿ"',
    'builtins.fromJSON "\\"\\\\u00\\""',
    'builtins.fromJSON "[-]"',
    "builtins.toJSON { __toString = s: 1; }",
    "builtins.toJSON { __toString = s: { }; }",
    "builtins.toJSON [ [ (x: x) ] ]",
    "builtins.toJSON { a = [ builtins.map ]; }",
    'builtins.fromTOML "a = 1979-05-27T00:32:00.999999-07:00"',
    'builtins.fromTOML (throw "x")',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
