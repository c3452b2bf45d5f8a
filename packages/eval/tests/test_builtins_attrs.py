"""Attribute set builtins against the reference: values, laziness, argument order and every
error with its trace."""

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
ATTR_POSITION = "values stored directly (not as thunks) have no position for their attribute"

VALUES = [
    'builtins.attrNames { b = 1; a = throw "x"; "é" = 1; "Z" = 2; "" = 3; }',
    "builtins.attrNames { }",
    "builtins.attrValues { b = 1; a = 2; }",
    'builtins.length (builtins.attrValues { a = throw "x"; })',
    'builtins.getAttr "a" { a = 1; b = throw "x"; }',
    'builtins.hasAttr "a" { a = throw "x"; }',
    'builtins.hasAttr "b" { a = 1; }',
    'builtins.removeAttrs { a = 1; b = 2; } [ "a" "z" ]',
    'builtins.removeAttrs { a = 1; } [ "a" "a" ]',
    'builtins.removeAttrs { a = 1; b = throw "x"; } [ "b" ]',
    "builtins.removeAttrs { a = 1; } [ ]",
    'removeAttrs { a = 1; } [ "a" ]',
    'builtins.listToAttrs [ { name = "b"; value = 1; } { name = "a"; value = 2; } ]',
    'builtins.listToAttrs [ { name = "a"; value = 1; } { name = "a"; value = throw "x"; } ]',
    'builtins.listToAttrs [ { name = "a"; value = 1; extra = throw "x"; } ]',
    'builtins.listToAttrs [ { value = 1; name = "a"; } { name = "a"; } ]',
    'builtins.attrNames (builtins.listToAttrs [ { name = "a"; value = throw "x"; } ])',
    "builtins.listToAttrs [ ]",
    'builtins.listToAttrs [ { name = "${"a"}b"; value = 1; } ]',
    "builtins.intersectAttrs { a = 1; b = 2; } { b = 3; c = 4; }",
    'builtins.intersectAttrs { a = throw "x"; } { a = 1; }',
    'builtins.attrNames (builtins.intersectAttrs { a = 1; c = 3; } { c = throw "x"; d = 5; })',
    "builtins.intersectAttrs { } { a = 1; }",
    'builtins.catAttrs "a" [ { a = 1; } { b = 0; } { a = 2; } ]',
    'builtins.length (builtins.catAttrs "a" [ { a = throw "x"; } ])',
    'builtins.catAttrs "a" [ ]',
    "builtins.functionArgs ({ a, b ? 1, ... }: a)",
    "builtins.functionArgs ({ b, a ? 1 }: a)",
    "builtins.functionArgs (x: x)",
    "builtins.functionArgs builtins.map",
    "builtins.functionArgs (builtins.map (x: x))",
    "builtins.functionArgs ({ ... }: 1)",
    "builtins.functionArgs (args@{ a }: a)",
    "builtins.mapAttrs (n: v: v * 2) { a = 1; b = 2; }",
    "builtins.mapAttrs (n: v: n + toString v) { a = 1; }",
    "builtins.attrNames (builtins.mapAttrs throw { a = 1; b = 2; })",
    "builtins.isAttrs (builtins.mapAttrs 1 { })",
    'builtins.attrNames (builtins.mapAttrs (n: v: throw "x") { a = 1; })',
    "builtins.zipAttrsWith (n: v: { inherit n v; }) [ { a = 1; b = 2; } { b = 3; c = 4; } ]",
    "builtins.attrNames (builtins.zipAttrsWith throw [ { a = 1; } ])",
    'builtins.length (builtins.zipAttrsWith (n: v: v) [ { a = throw "x"; } ]).a',
    "builtins.zipAttrsWith (n: v: v) [ ]",
]

FULL = [
    "builtins.attrNames [ ]",
    'builtins.attrNames (throw "x")',
    "builtins.attrNames (builtins.genList (x: x) 20)",
    "builtins.attrValues [ ]",
    'builtins.attrValues { a = throw "x"; }',
    "builtins.getAttr [ ] [ ]",
    'builtins.getAttr "foo" [ ]',
    'builtins.getAttr "foo" { }',
    'builtins.getAttr "foo" { fo = 1; foo2 = 2; bar = 3; }',
    'builtins.getAttr "a" { a = throw "lazy"; b = 1; }',
    'builtins.getAttr (throw "x") { }',
    "builtins.hasAttr [ ] [ ]",
    'builtins.hasAttr "foo" [ ]',
    'builtins.hasAttr "a" (throw "x")',
    'builtins.removeAttrs "" ""',
    'builtins.removeAttrs "" [ 1 ]',
    "builtins.removeAttrs { a = 1; } [ 1 ]",
    'builtins.removeAttrs { a = 1; } "a"',
    'builtins.removeAttrs { } [ (throw "x") ]',
    "builtins.listToAttrs 1",
    "builtins.listToAttrs [ 1 ]",
    "builtins.listToAttrs [ { } ]",
    'builtins.listToAttrs [ { name = "foo"; } ]',
    'builtins.listToAttrs [ (throw "x") ]',
    'builtins.listToAttrs [ { name = "a"; value = throw "x"; } ]',
    'builtins.listToAttrs [ { name = throw "x"; } ]',
    "builtins.listToAttrs [ { name = builtins.head 1; } ]",
    'builtins.listToAttrs [ { name = 1 + "a"; } ]',
    H.xfail_core("builtins.listToAttrs [ { name = 1; } ]", ATTR_POSITION),
    "builtins.intersectAttrs [ ] [ ]",
    "builtins.intersectAttrs { } [ ]",
    'builtins.intersectAttrs { a = 1; c = 3; } { c = throw "x"; d = 5; }',
    "builtins.catAttrs [ ] { }",
    'builtins.catAttrs "foo" { }',
    'builtins.catAttrs "foo" [ 1 ]',
    'builtins.catAttrs "foo" [ { foo = 1; } 1 { bar = 5; } ]',
    'builtins.catAttrs "a" [ { a = throw "x"; } ]',
    "builtins.functionArgs { }",
    "builtins.functionArgs 1",
    "builtins.functionArgs { __functor = self: { a }: a; }",
    'builtins.functionArgs (throw "x")',
    "builtins.mapAttrs [ ] [ ]",
    "builtins.mapAttrs 1 { a = 1; }",
    "builtins.mapAttrs (x: y: y) 1",
    'builtins.mapAttrs "" { foo.bar = 1; }',
    'builtins.mapAttrs (x: x + "1") { foo.bar = 1; }',
    "builtins.mapAttrs (x: y: x + 1) { foo.bar = 1; }",
    'builtins.mapAttrs (n: v: throw "x") { a = 1; }',
    'builtins.getAttr "a" (builtins.mapAttrs (n: v: throw n) { a = 1; })',
    "builtins.zipAttrsWith [ ] [ 1 ]",
    "builtins.zipAttrsWith 1 [ ]",
    "builtins.zipAttrsWith (_: 1) [ 1 ]",
    "builtins.zipAttrsWith (_: 1) 1",
    'builtins.zipAttrsWith (n: v: v) [ { a = throw "x"; } ]',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
