"""String builtins against the reference: byte-wise lengths and offsets, coercion (with its
traces), string context carried through, replaceStrings' matching order, and version
strings (compareVersions, splitVersion, parseDrvName)."""

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
    'builtins.toString [ 1 [ 2 null ] true false "a" 1.5 ]',
    "builtins.toString 1.5",
    "builtins.toString 0.1",
    "builtins.toString (-0.0)",
    "builtins.toString 123456789.123",
    "builtins.toString 1.0e20",
    "builtins.toString [ 1 [ ] 2 ]",
    "builtins.toString [ [ ] [ ] 1 ]",
    "builtins.toString [ [ ] ]",
    "builtins.toString [ null ]",
    "builtins.toString [ 1 null 2 ]",
    'builtins.toString [ "" "" ]',
    'builtins.toString { outPath = "x"; }',
    'builtins.toString { __toString = self: "y"; }',
    "builtins.toString { __toString = self: 1; }",
    'builtins.toString { __toString = self: { outPath = "z"; }; }',
    "builtins.toString true",
    "builtins.toString null",
    "toString 42",
    f"builtins.getContext (builtins.toString [ ({CTX}) ])",
    'builtins.stringLength "héllo"',
    'builtins.stringLength ""',
    'builtins.stringLength { outPath = "abc"; }',
    'builtins.stringLength { __toString = s: "abcd"; }',
    'builtins.substring 1 3 "hello"',
    'builtins.substring 10 3 "abc"',
    'builtins.substring 1 100 "abc"',
    'builtins.substring 1 (-1) "abc"',
    'builtins.substring 1 2 "héllo"',
    'builtins.substring 5 0 "abc"',
    'builtins.substring 0 0 ""',
    'builtins.substring 0 1 { outPath = "xyz"; }',
    f"builtins.getContext (builtins.substring 0 0 ({CTX}))",
    f"builtins.getContext (builtins.substring 0 1 ({CTX}))",
    'builtins.concatStringsSep ", " [ "a" "b" ]',
    'builtins.concatStringsSep "," [ ]',
    'builtins.concatStringsSep "," [ "a" ]',
    'builtins.concatStringsSep "/" [ "b" { outPath = "c"; } { __toString = s: "d"; } ]',
    f'builtins.getContext (builtins.concatStringsSep ({CTX}) [ "x" "y" ])',
    f'builtins.getContext (builtins.concatStringsSep "" [ ({CTX}) ])',
    f"builtins.getContext (builtins.concatStringsSep ({CTX}) [ ])",
    'builtins.replaceStrings [ "o" ] [ "0" ] "foo bar"',
    'builtins.replaceStrings [ "" ] [ "-" ] "abc"',
    'builtins.replaceStrings [ "" ] [ "-" ] ""',
    'builtins.replaceStrings [ "a" "" ] [ "A" "-" ] "abc"',
    'builtins.replaceStrings [ "ab" "a" ] [ "X" "Y" ] "aab"',
    'builtins.replaceStrings [ "a" "ab" ] [ "X" "Y" ] "aab"',
    'builtins.replaceStrings [ ] [ ] "x"',
    'builtins.replaceStrings [ "x" ] [ (throw "lazy") ] "abc"',
    'builtins.replaceStrings [ "x" ] [ 1 ] "abc"',
    'builtins.replaceStrings [ "é" ] [ "e" ] "café"',
    'builtins.replaceStrings [ "aa" ] [ "b" ] "aaa"',
    f'builtins.getContext (builtins.replaceStrings [ "a" ] [ ({CTX}) ] "xyz")',
    f'builtins.getContext (builtins.replaceStrings [ "x" ] [ ({CTX}) ] "xyz")',
    f'builtins.getContext (builtins.replaceStrings [ "a" ] [ "b" ] ({CTX}))',
    '[ (builtins.compareVersions "1.0" "2.3") (builtins.compareVersions "2.1" "2.3") '
    '(builtins.compareVersions "2.3" "2.3") (builtins.compareVersions "2.5" "2.3") ]',
    '[ (builtins.compareVersions "2.3.1" "2.3") (builtins.compareVersions "2.3.1" "2.3a") '
    '(builtins.compareVersions "2.3pre1" "2.3") (builtins.compareVersions "2.3" "2.3pre1") ]',
    '[ (builtins.compareVersions "2.3pre3" "2.3pre12") (builtins.compareVersions "2.3a" "2.3c") '
    '(builtins.compareVersions "2.3pre1" "2.3c") (builtins.compareVersions "2.3pre1" "2.3q") ]',
    '[ (builtins.compareVersions "" "") (builtins.compareVersions "" "1") '
    '(builtins.compareVersions "a" "") (builtins.compareVersions "1.0" "1.0.0") ]',
    '[ (builtins.compareVersions "99999999999" "1") '
    '(builtins.compareVersions "2147483648" "2147483647") '
    '(builtins.compareVersions "1.2.3" "1.2.03") (builtins.compareVersions "pre" "") ]',
    '[ (builtins.compareVersions "1.0rc1" "1.0") (builtins.compareVersions "é" "a") '
    '(builtins.compareVersions "1..2" "1.2") (builtins.compareVersions "-1" "1") ]',
    'builtins.splitVersion "1.2.3"',
    'builtins.splitVersion "2.3pre1-rc2.x"',
    'builtins.splitVersion ""',
    'builtins.splitVersion "..--"',
    'builtins.splitVersion "a1b2"',
    'builtins.splitVersion "1.é"',
    'builtins.parseDrvName "hello-2.10"',
    'builtins.parseDrvName "hello"',
    'builtins.parseDrvName "hello-world-1.0"',
    'builtins.parseDrvName "hello-"',
    'builtins.parseDrvName "-1"',
    'builtins.parseDrvName "foo-é1"',
    'builtins.parseDrvName "foo-1-bar"',
    'builtins.parseDrvName ""',
]

FULL = [
    "builtins.toString { a = 1; }",
    "builtins.toString { }",
    "builtins.toString (x: x)",
    "builtins.toString builtins.map",
    "builtins.toString (builtins.map (x: x))",
    "builtins.toString { __toString = 1; }",
    "builtins.toString { __toString = s: { }; }",
    'builtins.toString { __toString = s: throw "x"; }',
    "builtins.toString { outPath = { }; }",
    "builtins.toString [ 1 { } ]",
    'builtins.toString [ 1 (throw "x") ]',
    "builtins.toString [ [ { } ] ]",
    'builtins.toString (throw "x")',
    "builtins.stringLength { }",
    "builtins.stringLength 1",
    "builtins.stringLength { __toString = s: { }; }",
    'builtins.stringLength (throw "x")',
    'builtins.substring { } "foo" true',
    'builtins.substring 3 "foo" true',
    "builtins.substring 0 3 { }",
    'builtins.substring (-3) 3 "sometext"',
    'builtins.substring (-1) "x" "abc"',
    'builtins.substring "a" 1 "abc"',
    'builtins.substring 0 1 (throw "x")',
    'builtins.substring 0 0 (throw "x")',
    "builtins.substring 0 0 1",
    "builtins.concatStringsSep 1 { }",
    'builtins.concatStringsSep "foo" { }',
    'builtins.concatStringsSep "foo" [ 1 2 { } ]',
    'builtins.concatStringsSep "," [ true ]',
    'builtins.concatStringsSep "," [ null ]',
    'builtins.concatStringsSep "," [ [ "a" ] ]',
    'builtins.concatStringsSep "," [ 1.5 ]',
    'builtins.concatStringsSep (throw "x") [ ]',
    'builtins.concatStringsSep "" [ (throw "x") ]',
    "builtins.replaceStrings 0 0 { }",
    "builtins.replaceStrings [ ] 0 { }",
    "builtins.replaceStrings [ 0 ] [ ] { }",
    'builtins.replaceStrings [ 1 ] [ "new" ] { }',
    'builtins.replaceStrings [ "oo" ] [ true ] "foo"',
    'builtins.replaceStrings [ "old" ] [ "new" ] { }',
    'builtins.replaceStrings [ "a" ] [ 1 ] "abc"',
    'builtins.replaceStrings [ "a" ] [ "b" ] 1',
    'builtins.replaceStrings [ "a" ] [ "b" ] { outPath = "a"; }',
    'builtins.replaceStrings [ "a" "b" ] [ "b" ] "a"',
    "builtins.compareVersions 1 { }",
    'builtins.compareVersions "abd" { }',
    "builtins.splitVersion 1",
    "builtins.parseDrvName 1",
    f"builtins.parseDrvName ({CTX})",
    f'builtins.compareVersions ({CTX}) "1"',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
