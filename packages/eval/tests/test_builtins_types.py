"""Type tests, typeOf, the constants and the shape of builtins (which names exist, which are
global, the __ aliases) against the reference."""

from __future__ import annotations

import importlib

H = importlib.import_module("builtins_harness")
CTX = (
    'builtins.appendContext "a" '
    '{ "/nix/store/00000000000000000000000000000000-x" = { path = true; }; }'
)

VALUES = [
    'builtins.placeholder "out"',
    'placeholder "dev"',
    'builtins.placeholder ""',
    "builtins.typeOf builtins.currentTime",
    "builtins.currentTime > 1700000000",
    "builtins.typeOf 1",
    "builtins.typeOf 1.5",
    'builtins.typeOf "s"',
    "builtins.typeOf ./x",
    "builtins.typeOf null",
    "builtins.typeOf true",
    "builtins.typeOf {}",
    "builtins.typeOf []",
    "builtins.typeOf (x: x)",
    "builtins.typeOf builtins.map",
    "builtins.typeOf (builtins.map (x: x))",
    "builtins.typeOf { __functor = s: x: x; }",
    f"builtins.typeOf ({CTX})",
    "[ (builtins.isFunction (x: x)) (builtins.isFunction builtins.map) (builtins.isFunction "
    "(builtins.map (x: x))) (builtins.isFunction { __functor = s: x: x; }) ]",
    "[ (builtins.isInt 1) (builtins.isInt 1.0) (builtins.isFloat 1.0) (builtins.isFloat 1) "
    "(builtins.isBool null) (builtins.isBool false) ]",
    '[ (builtins.isString "") (builtins.isString ./.) (builtins.isString { __toString = s: '
    '"a"; }) (builtins.isPath ./.) (builtins.isPath "/a") ]',
    "[ (builtins.isList []) (builtins.isAttrs {}) (builtins.isNull null) (isNull 1) "
    "(builtins.isNull false) ]",
    "[ builtins.langVersion builtins.nixVersion builtins.currentSystem builtins.storeDir ]",
    "[ true false null ]",
    "[ builtins.true builtins.false builtins.null ]",
    "builtins.builtins.builtins.length [ 1 ]",
    "builtins ? builtins",
    "builtins.nixPath",
    "builtins.isAttrs builtins",
    "builtins.typeOf builtins.builtins",
    "builtins.seq",
    "builtins.map",
    "builtins.throw",
    "builtins.add 1",
    "[ builtins.isNull builtins.baseNameOf builtins.dirOf builtins.fromTOML "
    "builtins.removeAttrs builtins.toString builtins.throw builtins.abort builtins.map "
    "builtins.break ]",
    "[ isNull baseNameOf dirOf fromTOML removeAttrs toString throw abort map break import "
    "scopedImport ]",
    "__typeOf 1",
    "[ __length __attrNames __sort __genericClosure __getContext __hashString __match "
    "__split __splitVersion __compareVersions __parseDrvName __zipAttrsWith __groupBy "
    "__partition __concatMap __replaceStrings __unsafeDiscardStringContext __hasContext "
    "__appendContext __convertHash __fromJSON __toJSON __readDir __readFile __pathExists "
    "__readFileType __hashFile __getEnv __toPath __storeDir __warn __addErrorContext "
    "__traceVerbose __ceil __floor __lessThan __bitAnd __seq __deepSeq __tryEval __trace "
    "__functionArgs __catAttrs __intersectAttrs __mapAttrs __listToAttrs __hasAttr __getAttr "
    "__elem __elemAt __all __any __filter __foldl' __genList __concatLists __head __tail "
    "__concatStringsSep __substring __stringLength __unsafeDiscardOutputDependency "
    "__addDrvOutputDependencies ]",
]

FULL = [
    "builtins.placeholder 1",
    'builtins.typeOf (throw "x")',
    'builtins.isInt (throw "x")',
    'builtins.isAttrs (throw "x")',
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
