"""List builtins against the reference: values, laziness (what is forced and what is not),
the order in which arguments are checked, and every error with its trace. ``sort`` is
checked with comparisons that are not strict weak orders too, where the result depends on
the exact algorithm."""

from __future__ import annotations

import importlib
import random

H = importlib.import_module("builtins_harness")
ATTR_POSITION = "no position for an attribute whose value is not a thunk"


def _sort_cases() -> list[str]:
    rng = random.Random(7)
    cases = []
    for n in (2, 3, 7, 8, 9, 14, 15, 16, 21, 31, 57, 100):
        items = "[ " + " ".join(str(rng.randint(0, 9)) for _ in range(n)) + " ]"
        for less in ("a < b", "a <= b", "a > b", "true", "a - b > 2", "(a + b) / 3 * 2 > a"):
            cases.append(f"builtins.sort (a: b: {less}) {items}")
    return cases


VALUES = [
    "builtins.length [ 1 2 3 ]",
    "builtins.length [ ]",
    "builtins.length (builtins.map throw [ 1 2 ])",
    "builtins.length (builtins.genList throw 3)",
    'builtins.head [ 1 (throw "no") ]',
    'builtins.tail [ (throw "no") 2 ]',
    'builtins.length (builtins.tail [ 1 (throw "no") ])',
    "builtins.elemAt [ 1 2 3 ] 2",
    'builtins.elemAt [ (throw "no") 2 ] 1',
    "builtins.map (x: x * 2) [ 1 2 3 ]",
    "builtins.map 1 [ ]",
    "builtins.filter (x: x > 1) [ 1 2 3 ]",
    "builtins.filter 1 [ ]",
    'builtins.length (builtins.filter (x: true) [ (throw "lazy") ])',
    "builtins.filter (x: x != 2) [ 1 2 3 2 ]",
    "builtins.foldl' (a: b: a + b) 0 [ 1 2 3 ]",
    "builtins.foldl' (a: b: [ a b ]) 0 [ 1 2 ]",
    'builtins.foldl\' (a: b: b) (throw "init") [ 1 ]',
    'builtins.foldl\' (a: b: a) 0 [ (throw "elem") ]',
    "builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 1000)",
    "builtins.genList (x: x * x) 5",
    "builtins.genList (x: x) 0",
    'builtins.length (builtins.genList (x: throw "no") 3)',
    "builtins.concatLists [ [ 1 ] [ ] [ 2 3 ] ]",
    "builtins.concatLists [ ]",
    'builtins.length (builtins.concatLists [ [ (throw "no") ] ])',
    "builtins.concatMap (x: [ x x ]) [ 1 2 ]",
    'builtins.length (builtins.concatMap (x: [ (throw "x") ]) [ 1 ])',
    "builtins.elem 2 [ 1 2 ]",
    'builtins.elem 2 [ 2 (throw "x") ]',
    'builtins.elem (throw "a") [ ]',
    "builtins.elem { } [ (x: x) ]",
    "builtins.elem 1.0 [ 1 ]",
    "builtins.elem [ 1 ] [ [ 1 ] ]",
    'builtins.any (x: x) [ false true (throw "x") ]',
    'builtins.all (x: x) [ true false (throw "x") ]',
    "[ (builtins.any (x: x) [ ]) (builtins.all (x: x) [ ]) ]",
    "builtins.partition (x: x > 2) [ 1 2 3 4 ]",
    "builtins.partition (x: true) [ ]",
    'builtins.groupBy (x: if x > 2 then "big" else "small") [ 1 2 3 4 ]',
    'builtins.groupBy (x: "a") [ ]',
    'builtins.attrNames (builtins.groupBy (x: x) [ "b" "a" "c" "a" ])',
    "builtins.sort builtins.lessThan [ 3 1 2 ]",
    'builtins.sort builtins.lessThan [ "b" "a" "B" ]',
    "builtins.sort builtins.lessThan [ [ 2 ] [ 1 2 ] [ 1 ] ]",
    "builtins.sort (a: b: a < b) [ 5 3 8 1 9 2 7 4 6 0 11 15 13 12 14 10 ]",
    "builtins.sort (a: b: a.k < b.k) [ { k = 2; v = 1; } { k = 1; v = 2; } { k = 2; v = 3; } ]",
    "builtins.sort 1 [ ]",
    "builtins.sort builtins.lessThan [ 1 ]",
    'builtins.sort (a: b: throw "never") [ 1 ]',
    "builtins.genericClosure { startSet = [ ]; }",
    "builtins.genericClosure { startSet = [ ]; operator = 1; }",
    "builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: "
    "if x.key < 5 then [ { key = x.key + 1; } { key = x.key * 2; } ] else [ ]; }",
    "builtins.genericClosure { startSet = [ { key = [ 1 2 ]; } { key = [ 1 2 ]; x = 1; } ]; "
    "operator = x: [ ]; }",
    "builtins.genericClosure { startSet = [ { key = 1.0; } { key = 1; } ]; operator = x: [ ]; }",
    'builtins.genericClosure { startSet = [ { key = "b"; } { key = "a"; } ]; '
    'operator = x: [ { key = "a"; } ]; }',
    *_sort_cases(),
]

FULL = [
    "builtins.length 1",
    'builtins.length "foo"',
    'builtins.length (throw "x")',
    "builtins.head 1",
    "builtins.head [ ]",
    'builtins.head [ (throw "x") ]',
    "builtins.tail 1",
    "builtins.tail [ ]",
    'builtins.elemAt "foo" (-1)',
    'builtins.elemAt "foo" "bar"',
    "builtins.elemAt [ ] (-1)",
    'builtins.elemAt [ "foo" ] 3',
    "builtins.elemAt [ 1 ] 1.0",
    'builtins.elemAt [ ] (throw "x")',
    'builtins.elemAt (throw "x") 1',
    'builtins.map 1 "foo"',
    "builtins.map 1 [ 1 ]",
    "builtins.map (x: x) 1",
    'builtins.map (throw "x") [ 1 ]',
    'builtins.filter 1 "foo"',
    'builtins.filter 1 [ "foo" ]',
    'builtins.filter (_: 5) [ "foo" ]',
    'builtins.filter (x: throw "x") [ 1 ]',
    'builtins.foldl\' 1 "foo" true',
    'builtins.foldl\' (_: 1) "foo" true',
    'builtins.foldl\' (_: 1) "foo" [ true ]',
    'builtins.foldl\' (a: b: a && b) "foo" [ true ]',
    'builtins.foldl\' 1 (throw "x") [ ]',
    'builtins.foldl\' (a: b: b) (throw "x") [ ]',
    'builtins.genList 1 "foo"',
    "builtins.genList 1 2",
    "builtins.genList false (-3)",
    'builtins.genList (throw "x") 1',
    "builtins.genList 1 0",
    "builtins.concatLists 1",
    "builtins.concatLists [ 1 ]",
    'builtins.concatLists [ [ 1 ] "foo" ]',
    'builtins.concatLists [ (throw "x") ]',
    'builtins.concatMap 1 "foo"',
    'builtins.concatMap (x: 1) "foo"',
    'builtins.concatMap (x: 1) [ "foo" ]',
    'builtins.concatMap (x: "foo") [ 1 2 ]',
    "builtins.concatMap 1 [ ]",
    'builtins.elem 1 "foo"',
    'builtins.elem (throw "x") [ 1 ]',
    'builtins.any 1 "foo"',
    'builtins.any (_: 1) "foo"',
    'builtins.any (_: 1) [ "foo" ]',
    'builtins.any (x: throw "x") [ 1 ]',
    'builtins.all 1 "foo"',
    'builtins.all (_: 1) "foo"',
    'builtins.all (_: 1) [ "foo" ]',
    "builtins.all 1 [ ]",
    'builtins.partition 1 "foo"',
    'builtins.partition (_: 1) "foo"',
    'builtins.partition (_: 1) [ "foo" ]',
    'builtins.partition (x: true) [ (throw "x") ]',
    'builtins.groupBy 1 "foo"',
    'builtins.groupBy (_: 1) "foo"',
    'builtins.groupBy (x: x) [ "foo" "bar" 1 ]',
    'builtins.sort 1 "foo"',
    'builtins.sort 1 [ "foo" ]',
    'builtins.sort (_: 1) [ "foo" "bar" ]',
    'builtins.sort (_: _: 1) [ "foo" "bar" ]',
    'builtins.sort builtins.lessThan [ 3 1 "a" ]',
    'builtins.sort builtins.lessThan [ (throw "forced") ]',
    "builtins.sort builtins.lessThan [ { } { } ]",
    "builtins.genericClosure 1",
    "builtins.genericClosure { }",
    "builtins.genericClosure { startSet = 1; }",
    "builtins.genericClosure { startSet = [ 1 ]; operator = x: [ ]; }",
    "builtins.genericClosure { startSet = [ { } ]; operator = x: [ ]; }",
    "builtins.genericClosure { startSet = [ { key = 1; } ]; }",
    "builtins.genericClosure { startSet = [ { key = 1; } ]; operator = 1; }",
    "builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: 1; }",
    'builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: [ { key = "a"; } ]; }',
    "builtins.genericClosure { startSet = [ { key = { }; } ]; operator = x: [ { key = { }; } ]; }",
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
