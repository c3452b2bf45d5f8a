"""What builtins leave unevaluated, against the reference: values printed without
``--strict`` (a thunk prints as ``<CODE>``, so this shows exactly which parts of a result
a builtin evaluated), and strict results that only exist because a part is never forced."""

from __future__ import annotations

import importlib
from pathlib import Path

H = importlib.import_module("builtins_harness")


def _fixtures(folder: Path) -> None:
    (folder / "f").write_text("x")
    (folder / "d").mkdir()


LAZY = [
    "builtins.map (x: x) [ 1 2 ]",
    "builtins.genList (x: x) 2",
    "builtins.attrValues { a = 1; b = 1 + 1; }",
    "builtins.mapAttrs (n: v: v) { a = 1; }",
    'builtins.listToAttrs [ { name = "a"; value = 1; } { name = "b"; value = 1 + 1; } ]',
    "builtins.partition (x: x > 1) [ 1 2 (1 + 2) ]",
    "builtins.concatMap (x: [ x (x + 1) ]) [ 1 ]",
    "builtins.zipAttrsWith (n: v: v) [ { a = 1; } ]",
    'builtins.catAttrs "a" [ { a = 1; } { a = 1 + 1; } ]',
    "builtins.sort builtins.lessThan [ (2 + 1) 1 ]",
    "builtins.filter (x: true) [ 1 (1 + 1) ]",
    "builtins.tail [ 1 (1 + 1) ]",
    "builtins.concatLists [ [ 1 (1 + 1) ] ]",
    'builtins.split "(b)" "abc"',
    'builtins.match "(a)(b)" "ab"',
    'builtins.groupBy (x: "k") [ 1 (1 + 1) ]',
    "builtins.tryEval (1 + 1)",
    "builtins.tryEval [ (1 + 1) ]",
    "builtins.intersectAttrs { a = 1; } { a = 1 + 1; }",
    'builtins.removeAttrs { a = 1 + 1; b = 2; } [ "b" ]',
    'builtins.getContext "a"',
    'builtins.parseDrvName "a-1"',
    'builtins.fromJSON "[1, {\\"a\\": 2}]"',
    'builtins.fromTOML "a = [1]\\n[b]\\nc = 2"',
    "builtins.genericClosure { startSet = [ { key = 1; v = 1 + 1; } ]; operator = x: [ ]; }",
    "builtins.readDir {dir}",
    "builtins.functionArgs ({ a, b ? 1 }: a)",
    'builtins.splitVersion "1.2"',
    "builtins.deepSeq [ (1 + 1) ] [ (1 + 1) ]",
    "builtins.seq 1 [ (1 + 1) ]",
    "builtins.elemAt [ [ (1 + 1) ] ] 0",
    "builtins.head [ [ (1 + 1) ] ]",
    'builtins.getAttr "a" { a = [ (1 + 1) ]; }',
    'builtins.addErrorContext "x" [ (1 + 1) ]',
    "builtins.concatLists [ ]",
    "builtins.attrNames { }",
    "builtins.toString 1",
    "builtins.foldl' (a: b: [ a b ]) 0 [ (1 + 1) ]",
]

VALUES = [
    "builtins.length (builtins.map throw [ 1 2 ])",
    "builtins.length (builtins.genList throw 3)",
    "builtins.attrNames (builtins.mapAttrs throw { a = 1; })",
    "builtins.attrNames (builtins.zipAttrsWith throw [ { a = 1; } ])",
    'builtins.length (builtins.concatMap (x: [ (throw "x") ]) [ 1 ])',
    'builtins.length (builtins.catAttrs "a" [ { a = throw "x"; } ])',
    'builtins.length (builtins.attrValues { a = throw "x"; })',
    'builtins.attrNames (builtins.listToAttrs [ { name = "a"; value = throw "x"; } ])',
    'builtins.attrNames (builtins.removeAttrs { a = throw "x"; b = 1; } [ "b" ])',
    'builtins.attrNames (builtins.intersectAttrs { a = 1; } { a = throw "x"; })',
    'builtins.length (builtins.tail [ 1 (throw "x") ])',
    'builtins.length (builtins.concatLists [ [ (throw "x") ] ])',
    'builtins.length (builtins.filter (x: true) [ (throw "x") ])',
    'builtins.length (builtins.groupBy (x: "a") [ (throw "x") ]).a',
    'builtins.length (builtins.tryEval [ (throw "x") ]).value',
    'builtins.seq [ (throw "x") ] 1',
    'builtins.seq { a = throw "x"; } 1',
    'builtins.elem 1 [ 1 (throw "x") ]',
    'builtins.any (x: x) [ true (throw "x") ]',
    'builtins.all (x: x) [ false (throw "x") ]',
    'builtins.foldl\' (a: b: a) 0 [ (throw "x") ]',
    'builtins.head [ 1 (throw "x") ]',
    'builtins.elemAt [ (throw "x") 2 ] 1',
    'builtins.getAttr "a" { a = 1; b = throw "x"; }',
    'builtins.hasAttr "a" { a = throw "x"; }',
    'builtins.functionArgs ({ a ? throw "x" }: a)',
    'builtins.typeOf (builtins.split "x" (builtins.seq 1 "axb"))',
    'builtins.length (builtins.genericClosure { startSet = [ { key = 1; v = throw "x"; } ]; '
    "operator = x: [ ]; })",
    'builtins.replaceStrings [ "x" ] [ (throw "x") ] "abc"',
    'builtins.addErrorContext (throw "x") 1',
    "builtins.isAttrs (builtins.mapAttrs 1 { })",
    "builtins.map 1 [ ]",
    "builtins.filter 1 [ ]",
    "builtins.sort 1 [ ]",
    'builtins.elem (throw "a") [ ]',
    'builtins.substring 0 0 ""',
]

FULL = [
    'builtins.elemAt (builtins.map throw [ "first" ]) 0',
    "builtins.seq (builtins.mapAttrs (n: throw n) { a = 1; }).a 1",
    "builtins.deepSeq (builtins.zipAttrsWith (n: throw n) [ { z = 1; } ]) 1",
    'builtins.head (builtins.genList (i: throw "at ${toString i}") 2)',
    'builtins.length (builtins.partition (x: true) [ (throw "forced") ]).right',
    'builtins.sort builtins.lessThan [ 1 (throw "forced") ]',
    'builtins.deepSeq (builtins.concatMap (x: [ (throw "deep") ]) [ 1 ]) 1',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
    test_lazy_value_prints_as_the_reference_prints_it,
) = H.differential_tests(VALUES, FULL, setup=_fixtures, lazy=LAZY)
