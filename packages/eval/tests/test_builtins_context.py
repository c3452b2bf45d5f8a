"""String context builtins against the reference: getContext's shape, appendContext's checks
(store paths, derivations, outputs) with their traces, the discard and add builtins, and
context carried through string operations."""

from __future__ import annotations

import importlib

H = importlib.import_module("builtins_harness")
X = "/nix/store/00000000000000000000000000000000-x"
Y = "/nix/store/11111111111111111111111111111111-y"
CTX = f'builtins.appendContext "a" {{ "{X}" = {{ path = true; }}; }}'


def _(expr: str) -> str:
    """Spell out the store paths (@X, @Y) and a string with context (@CTX)."""
    return expr.replace("@CTX", CTX).replace("@X", X).replace("@Y", Y)


VALUES = [
    _('builtins.hasContext "a"'),
    _('builtins.getContext "a"'),
    _("@CTX"),
    _("builtins.getContext (@CTX)"),
    _(
        'builtins.getContext (builtins.appendContext "a" { "@X.drv" = { allOutputs = true; '
        'outputs = [ "out" "dev" ]; }; })'
    ),
    _(
        'builtins.getContext (builtins.appendContext "a" { "@X.drv" = { outputs = [ "out" '
        '"dev" ]; }; "@Y" = { path = true; }; })'
    ),
    _("builtins.hasContext (@CTX)"),
    _('builtins.appendContext "a" { "@X" = { path = false; }; }'),
    _('builtins.getContext (builtins.appendContext "a" { "@X" = { }; })'),
    _('builtins.appendContext "a" { "@X" = { foo = 1; }; }'),
    _("builtins.unsafeDiscardStringContext (@CTX)"),
    _("builtins.hasContext (builtins.unsafeDiscardStringContext (@CTX))"),
    _(
        "builtins.getContext (builtins.unsafeDiscardOutputDependency (builtins.appendContext "
        '"a" { "@X.drv" = { allOutputs = true; outputs = [ "out" ]; }; }))'
    ),
    _(
        'builtins.getContext (builtins.addDrvOutputDependencies (builtins.appendContext "a" '
        '{ "@X.drv" = { path = true; }; }))'
    ),
    _('builtins.getContext (let s = @CTX; in "${s}${s}b")'),
    _("builtins.getContext (builtins.substring 0 0 (@CTX))"),
    _("builtins.getContext (builtins.toJSON [ (@CTX) ])"),
    _(
        'builtins.getContext (builtins.replaceStrings [ "a" ] [ (builtins.appendContext "b" '
        '{ "@X" = { path = true; }; }) ] "xyz")'
    ),
    _(
        'builtins.getContext (builtins.replaceStrings [ "x" ] [ (builtins.appendContext "b" '
        '{ "@X" = { path = true; }; }) ] "xyz")'
    ),
    _('builtins.appendContext "a" { "@X.drv" = { outputs = [ ]; }; }'),
    _(
        'builtins.getContext (builtins.appendContext "a" { "@X.drv" = { path = true; '
        'allOutputs = true; outputs = [ "b" "a" ]; }; })'
    ),
    _('builtins.getContext (builtins.appendContext (@CTX) { "@Y" = { path = true; }; })'),
    _(
        'builtins.attrNames (builtins.getContext (builtins.appendContext "a" { "@Y" = { path '
        '= true; }; "@X" = { path = true; }; }))'
    ),
    _(
        'builtins.getContext (builtins.addDrvOutputDependencies (builtins.appendContext "a" '
        '{ "@X.drv" = { allOutputs = true; }; }))'
    ),
    _('builtins.getContext (builtins.unsafeDiscardOutputDependency "plain")'),
    _('builtins.unsafeDiscardStringContext { outPath = "x"; }'),
    _('builtins.hasContext "${@CTX}b"'),
    _(
        'builtins.getContext (builtins.concatStringsSep "" [ (builtins.appendContext "a" { '
        '"@X" = { outputs = [ ]; path = true; }; }) ])'
    ),
]

FULL = [
    _("builtins.hasContext 1"),
    _("builtins.getContext 1"),
    _('builtins.appendContext "a" { "/tmp/x" = { path = true; }; }'),
    _('builtins.appendContext "a" { "@X" = { allOutputs = true; }; }'),
    _('builtins.appendContext "a" { "@X" = { outputs = [ "out" ]; }; }'),
    _('builtins.appendContext "a" { "@X" = 1; }'),
    _("builtins.appendContext 1 { }"),
    _('builtins.appendContext "a" 1'),
    _('builtins.appendContext "a" { "@X" = { path = 1; }; }'),
    _('builtins.appendContext "a" { "@X.drv" = { outputs = 1; }; }'),
    _('builtins.appendContext "a" { "@X.drv" = { outputs = [ 1 ]; }; }'),
    _('builtins.appendContext "a" { "bad" = { path = true; }; }'),
    _("builtins.unsafeDiscardStringContext 1"),
    _("builtins.addDrvOutputDependencies (@CTX)"),
    _('builtins.addDrvOutputDependencies "a"'),
    _("builtins.getAttr (@CTX) { a = 1; }"),
    _('builtins.appendContext "a" { bad = builtins.seq 1 { path = true; }; }'),
    _('builtins.appendContext "a" { "@X" = builtins.seq 1 { allOutputs = true; }; }'),
    _('builtins.appendContext "a" { "@X" = builtins.seq 1 1; }'),
    _('builtins.appendContext "a" { "@X" = { path = builtins.seq 1 1; }; }'),
    _('builtins.appendContext "a" { "@X.drv" = { outputs = builtins.seq 1 [ 1 ]; }; }'),
    _('builtins.appendContext "a" { "@X" = { path = throw "p"; }; }'),
    _('builtins.appendContext "a" { "@X" = throw "v"; }'),
    _('builtins.appendContext (throw "s") { }'),
    _('builtins.appendContext "a" (throw "s")'),
    _('builtins.appendContext "a" { "@X/sub" = builtins.seq 1 { path = true; }; }'),
    _(
        'builtins.appendContext "a" { "/nix/store/0000000000000000000000000000000-x" = '
        "builtins.seq 1 { path = true; }; }"
    ),
    _(
        'builtins.appendContext "a" { "/nix/store/00000000000000000000000000000000-" = '
        "builtins.seq 1 { path = true; }; }"
    ),
    _(
        'builtins.appendContext "a" { "/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x" = '
        "builtins.seq 1 { path = true; }; }"
    ),
    _(
        'builtins.addDrvOutputDependencies (builtins.appendContext "a" { "@X.drv" = { '
        'outputs = [ "out" ]; }; })'
    ),
    _(
        'builtins.addDrvOutputDependencies (builtins.appendContext "a" { "@X.drv" = { path = '
        'true; outputs = [ "out" ]; }; })'
    ),
    _('builtins.getContext (builtins.unsafeDiscardStringContext (throw "x"))'),
]

(
    differential,
    test_value_prints_as_the_reference_prints_it,
    test_outcome_is_the_reference_outcome,
) = H.differential_tests(VALUES, FULL)
