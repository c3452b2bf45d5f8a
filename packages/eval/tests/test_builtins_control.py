"""throw, abort, tryEval, seq, deepSeq, trace, warn, addErrorContext, break and traceVerbose
against the reference: what they force, what tryEval catches, what they print on stderr
and the traces of their errors."""

from __future__ import annotations

import importlib

H = importlib.import_module("builtins_harness")
NO_TRACE_FLAG = "PrimOp has no flag for C++ Nix's addTrace = false (addErrorContext, break)"

VALUES = [
    'builtins.tryEval (throw "x")',
    "builtins.tryEval (assert false; 1)",
    "builtins.tryEval 1",
    'builtins.tryEval (builtins.tryEval (throw "x"))',
    'builtins.tryEval (throw "x" + 1)',
    "builtins.tryEval { a = 1; }",
    'builtins.tryEval (builtins.addErrorContext "ctx" (throw "x"))',
    'builtins.length (builtins.tryEval [ (throw "x") ]).value',
    "builtins.seq 1 2",
    'builtins.seq [ (throw "x") ] 1',
    'builtins.seq { a = throw "x"; } 1',
    "builtins.deepSeq { a = 1; } 2",
    "builtins.deepSeq (let x = { inherit x; }; in x) 1",
    "builtins.deepSeq (let x = [ x ]; in x) 1",
    "builtins.deepSeq [ [ ] { } ] 1",
    'builtins.addErrorContext "ctx" 1',
    "builtins.break 1",
    'builtins.traceVerbose "v" 1',
    "builtins.throw",
    "[ builtins.seq builtins.map ]",
]

FULL = [
    'throw "foo"',
    "throw 1",
    "throw [ 1 2 ]",
    'builtins.throw { __toString = s: "msg"; }',
    'builtins.throw (throw "x")',
    'abort "bar"',
    'builtins.abort [ "a" "b" ]',
    'builtins.abort (throw "x")',
    'builtins.abort "multi\\nline"',
    'builtins.tryEval (builtins.abort "x")',
    "builtins.tryEval (builtins.head [ ])",
    'builtins.tryEval (1 + "a")',
    'builtins.tryEval [ (throw "x") ]',
    'builtins.tryEval { a = throw "x"; }',
    'builtins.tryEval (builtins.getAttr "x" { })',
    'builtins.seq (throw "x") 1',
    'builtins.seq 1 (throw "x")',
    'builtins.seq (builtins.seq (throw "x") 1) 1',
    'builtins.deepSeq [ [ (throw "x") ] ] 1',
    'builtins.deepSeq 1 (throw "x")',
    'builtins.deepSeq { a = throw "x"; } 1',
    'builtins.deepSeq { a = { b = throw "x"; }; } 1',
    'builtins.deepSeq { a = [ { b = throw "x"; } ]; } 1',
    '{ a = [ (throw "x") ]; }',
    '{ a = { b = { c = throw "x"; }; }; }',
    'builtins.deepSeq { a = builtins.seq 1 { b = throw "x"; }; } 1',
    '{ a = 1; b = [ (throw "x") ]; c = 2; }.b',
    'builtins.trace "hello" 1',
    "builtins.trace 1 2",
    "builtins.trace { a = 1; b = [ 2 ]; } 2",
    'builtins.trace { a = throw "x"; } 2',
    'builtins.trace (throw "x") 2',
    'builtins.trace "a\\nb" 1',
    "builtins.trace (x: x) 1",
    "builtins.trace builtins.map 1",
    "builtins.trace (builtins.map (x: x)) 1",
    'builtins.trace [ (throw "x") ] 1',
    "builtins.trace null 1",
    "builtins.trace 1.5 1",
    "builtins.trace (builtins.genList (x: x) 12) 1",
    'builtins.trace "a" (builtins.trace "b" 1)',
    'builtins.trace "a\\tb\\n\\tc\\ré" 1',
    'builtins.trace "\\ta\\n" (builtins.trace { a = "\\t"; } 1)',
    'builtins.warn "careful" 1',
    "builtins.warn 1 2",
    'builtins.warn (throw "x") 2',
    'builtins.warn "m" (throw "y")',
    'builtins.warn { __toString = s: "x"; } 1',
    'builtins.warn "x\\ty\\nz\\n\\nw" 1',
    'builtins.warn "a \\nb\\t\\n  \\nc" (builtins.warn " " (builtins.warn "\\tx" 1))',
    'builtins.warn "" 1',
    H.xfail_core('builtins.addErrorContext 1 (throw "x")', NO_TRACE_FLAG),
    H.xfail_core('builtins.addErrorContext "ctx" (throw "x")', NO_TRACE_FLAG),
    'builtins.addErrorContext "ctx" [ (throw "x") ]',
    H.xfail_core('builtins.break (throw "x")', NO_TRACE_FLAG),
    'builtins.traceVerbose "v" (throw "x")',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
