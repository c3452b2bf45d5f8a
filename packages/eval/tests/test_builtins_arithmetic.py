"""Arithmetic, comparison and bit builtins against the reference: values, operand order
and promotion, overflow, rounding edge cases and every error with its trace."""

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

VALUES = [
    "builtins.add 1 2",
    "builtins.add 1.5 2",
    "builtins.add 1 1.5",
    "builtins.add (-3) 2",
    "builtins.sub 10 3",
    "builtins.sub 1 2.5",
    "builtins.sub 9223372036854775807 1",
    "builtins.mul 6 7",
    "builtins.mul 2.5 2",
    "builtins.mul 1.5 0",
    "builtins.mul (-4611686018427387904) 2",
    "builtins.div 7 2",
    "builtins.div (-7) 2",
    "builtins.div 7 (-2)",
    "builtins.div (-5) 2",
    "builtins.div 7 2.0",
    "builtins.div 7.5 2.5",
    "builtins.div (-9223372036854775807 - 1) 1",
    "[ (builtins.lessThan 1 2) (builtins.lessThan 2 1) (builtins.lessThan 1 1) ]",
    "[ (builtins.lessThan 1 1.5) (builtins.lessThan 1.5 1) (builtins.lessThan 2.0 2) ]",
    '[ (builtins.lessThan "a" "b") (builtins.lessThan "b" "a") (builtins.lessThan "" "a") ]',
    '[ (builtins.lessThan "é" "z") (builtins.lessThan "Z" "a") ]',
    "[ (builtins.lessThan /a /b) (builtins.lessThan /b /a) ]",
    "[ (builtins.lessThan [ 1 2 ] [ 1 3 ]) (builtins.lessThan [ 1 2 ] [ 1 ]) ]",
    "[ (builtins.lessThan [ ] [ 1 ]) (builtins.lessThan [ 1 ] [ ]) ]",
    '[ (builtins.lessThan [ 1 "a" ] [ 2 ]) (builtins.lessThan [ [ 1 ] ] [ [ 2 ] ]) ]',
    "builtins.bitAnd 12 10",
    "builtins.bitOr 12 10",
    "builtins.bitXor 12 10",
    "builtins.bitAnd (-1) 255",
    "builtins.bitOr (-8) 3",
    "builtins.bitXor (-1) 9223372036854775807",
    "[ (builtins.ceil 1.1) (builtins.ceil (-1.1)) (builtins.ceil (-0.5)) (builtins.ceil 3) ]",
    "[ (builtins.floor 1.9) (builtins.floor (-1.9)) (builtins.floor 0.5) (builtins.floor 3) ]",
    "builtins.ceil 4.5e15",
    "builtins.floor 9.2e18",
    "builtins.ceil 9007199254740993",
    "builtins.ceil 9223372036854775807",
    "builtins.ceil 9.3e18",
    "builtins.floor (-9.3e18)",
    "builtins.floor (-9.223372036854775808e18)",
    "builtins.ceil 9.2233720368547748e18",
    'builtins.ceil (builtins.fromJSON "1e308" * 10)',
    'builtins.floor (-(builtins.fromJSON "1e308" * 10))',
    'let inf = builtins.fromJSON "1e308" * 10; in builtins.floor (inf - inf)',
    "builtins.add 0.1 0.2",
    "builtins.div 1 3.0",
    "__add 1 2",
    "[ (builtins.seq (builtins.add 1) 1) (builtins.seq (builtins.div 1) 1) ]",
]

FULL = [
    'builtins.add "foo" 1',
    'builtins.add 1 "foo"',
    'builtins.add "a" "b"',
    "builtins.add {} 1",
    'builtins.add 1.5 "a"',
    'builtins.add "a" 1.5',
    'builtins.add 1 (throw "x")',
    'builtins.add (throw "x") 1',
    "builtins.add 9223372036854775807 1",
    "builtins.add (-9223372036854775807 - 1) (-1)",
    'builtins.sub "foo" 1',
    'builtins.sub 1 "foo"',
    'builtins.sub "a" 1.5',
    'builtins.sub 1.5 "a"',
    "builtins.sub 1 true",
    "builtins.sub (-9223372036854775807) 2",
    "builtins.sub 9223372036854775807 (-1)",
    'builtins.mul "foo" 1',
    'builtins.mul 1 "foo"',
    'builtins.mul "a" 1.5',
    'builtins.mul 1.5 "a"',
    "builtins.mul 9223372036854775807 2",
    "builtins.mul 4611686018427387904 2",
    'builtins.div "foo" 1',
    'builtins.div 1 "foo"',
    'builtins.div "foo" 1.5',
    'builtins.div 1.5 "foo"',
    'builtins.div "foo" 0',
    "builtins.div {} 0.0",
    "builtins.div 7 0",
    "builtins.div 7.0 0",
    "builtins.div 1.0 0",
    "builtins.div 5 (-0.0)",
    'builtins.div 1 (throw "x")',
    "builtins.div (-9223372036854775807 - 1) (-1)",
    'builtins.lessThan 1 "foo"',
    'builtins.lessThan "a" 1',
    '[ (builtins.lessThan [ 1 2 ] [ "foo" ]) ]',
    'builtins.lessThan [ 1 "a" ] [ 1 2 ]',
    'builtins.lessThan 1.5 "a"',
    "builtins.lessThan {} {}",
    "builtins.lessThan null null",
    "builtins.lessThan true false",
    "builtins.lessThan (x: x) (x: x)",
    'builtins.lessThan (throw "x") 1',
    "builtins.bitAnd 1.1 2",
    "builtins.bitAnd 1 2.2",
    "builtins.bitOr 1.1 2",
    'builtins.bitOr 1 "a"',
    "builtins.bitXor 1.1 2",
    "builtins.bitXor 1 2.2",
    'builtins.bitAnd (throw "x") 1',
    'builtins.ceil "foo"',
    'builtins.floor "foo"',
    "builtins.ceil [ ]",
    'builtins.ceil (throw "x")',
    "builtins.ceil (1.0 / 0.0)",
    'builtins.ceil (builtins.ceil "a")',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
