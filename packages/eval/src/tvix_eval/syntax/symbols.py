"""C++ Nix 2.26's symbol table and base environment as they stand before any code is read.

C++ Nix keeps a set's attributes, and a function's formals, ordered by when their names were
interned (their symbols' numbers), not by name or by where they are written: which of two
undefined variables its parser reports, which of two duplicate formals, which attribute
``deepSeq`` forces first, all follow that order. The names it interns at start-up (its own
constants, then each builtin as it is registered, then the names of ``derivation``'s Nix
code) come before any name of the code read. Read from the reference (``nix-instantiate
--eval`` of ``deepSeq`` over ``mapAttrs`` with ``trace``, which prints them in that order).
"""

from __future__ import annotations

__all__ = ["BASE_ENVIRONMENT", "BASE_NAMES", "CONSTRUCTOR_SYMBOLS", "STARTUP_SYMBOLS"]

#: What C++ Nix's ``EvalState`` interns first, in order (``<with>`` names no variable).
CONSTRUCTOR_SYMBOLS: tuple[str, ...] = (
    "<with>", "outPath", "drvPath", "type", "meta", "name", "value", "system", "__overrides",
    "outputs", "outputName", "__ignoreNulls", "file", "line", "column", "__functor",
    "__toString", "right", "wrong", "__structuredAttrs", "allowedReferences",
    "allowedRequisites", "disallowedReferences", "disallowedRequisites", "maxSize",
    "maxClosureSize", "builder", "args", "__contentAddressed", "__impure", "outputHash",
    "outputHashAlgo", "outputHashMode", "recurseForDerivations", "description", "self", "",
    "startSet", "operator", "key", "path", "prefix", "outputSpecified",
)

#: The names its parser gives the functions behind ``-``, ``<``, ``*``, ``/`` and ``<...>``,
#: and the keywords it turns into names (``or``, legacy ``let``'s ``body``), interned next.
_PARSER_SYMBOLS = ("__sub", "__lessThan", "__mul", "__div", "or", "__findFile", "__nixPath", "body")

#: The names of ``nix-instantiate``'s base environment, with its default settings (flakes
#: on), in the order their builtins are registered: a builtin C++ Nix does not make global
#: is named with ``__`` there, and its registration interns that name, then the bare one.
BASE_ENVIRONMENT: tuple[str, ...] = (
    "builtins", "true", "false", "null", "__currentTime", "__currentSystem", "__nixVersion",
    "__storeDir", "__langVersion", "__traceVerbose", "__nixPath", "scopedImport", "import",
    "__typeOf", "isNull", "__isFunction", "__isInt", "__isFloat", "__isString", "__isBool",
    "__isPath", "__genericClosure", "break", "abort", "throw", "__addErrorContext", "__ceil",
    "__floor", "__tryEval", "__getEnv", "__seq", "__deepSeq", "__trace", "__warn",
    "derivationStrict", "placeholder", "__toPath", "__storePath", "__pathExists",
    "baseNameOf", "dirOf", "__readFile", "__findFile", "__hashFile", "__readFileType",
    "__readDir", "__toXML", "__toJSON", "__fromJSON", "__toFile", "__filterSource", "__path",
    "__attrNames", "__attrValues", "__getAttr", "__unsafeGetAttrPos", "__hasAttr",
    "__isAttrs", "removeAttrs", "__listToAttrs", "__intersectAttrs", "__catAttrs",
    "__functionArgs", "__mapAttrs", "__zipAttrsWith", "__isList", "__elemAt", "__head",
    "__tail", "map", "__filter", "__elem", "__concatLists", "__length", "__foldl'", "__any",
    "__all", "__genList", "__sort", "__partition", "__groupBy", "__concatMap", "__add",
    "__sub", "__mul", "__div", "__bitAnd", "__bitOr", "__bitXor", "__lessThan", "toString",
    "__substring", "__stringLength", "__hashString", "__convertHash", "__match", "__split",
    "__concatStringsSep", "__replaceStrings", "__parseDrvName", "__compareVersions",
    "__splitVersion", "__unsafeDiscardStringContext", "__hasContext",
    "__unsafeDiscardOutputDependency", "__addDrvOutputDependencies", "__getContext",
    "__appendContext", "fetchMercurial", "fetchTree", "__fetchurl", "fetchTarball",
    "fetchGit", "fromTOML", "__parseFlakeRef", "__flakeRefToString", "__getFlake",
    "derivation",
)

#: The names ``nix-instantiate --parse`` knows without a ``let``, a function or ``with``.
BASE_NAMES: frozenset[str] = frozenset(BASE_ENVIRONMENT)

#: Names met first in ``derivation``'s Nix code, read when that builtin is registered.
_DERIVATION_SYMBOLS = (
    "strict", "drvAttrs", "commonAttrs", "outputsList", "x", "outputToAttrListElement",
)


def _startup_symbols() -> dict[str, int]:
    ranks: dict[str, int] = {}
    for name in CONSTRUCTOR_SYMBOLS + _PARSER_SYMBOLS:
        ranks.setdefault(name, len(ranks))
    for name in BASE_ENVIRONMENT:
        ranks.setdefault(name, len(ranks))
        ranks.setdefault(name.removeprefix("__"), len(ranks))
    for name in _DERIVATION_SYMBOLS:
        ranks.setdefault(name, len(ranks))
    return ranks


#: Every name interned before the code is read -> its rank (its symbol's number).
STARTUP_SYMBOLS: dict[str, int] = _startup_symbols()
