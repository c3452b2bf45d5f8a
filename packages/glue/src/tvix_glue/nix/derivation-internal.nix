/*
  The `derivation` builtin of tvix-glue, written in Nix as C++ Nix writes its own.

  `derivationStrict` (tvix_glue/builtins/derivation.py) does the work: it turns the
  attributes into a derivation, names its store paths and writes it to the store. This
  wrapper gives back what users see: the attributes they passed, plus, for each output, an
  attribute set with that output's path (`outPath`), the derivation's path (`drvPath`),
  `type = "derivation"` and `outputName`, the first output being the result itself and
  every output reachable from every other by name (`drv.dev.out`) and in `all`.

  Nothing here is computed before it is needed: `derivationStrict` runs when an `outPath`
  or the `drvPath` is first looked at, not when the set is made.

  The lines below are laid out as C++ Nix 2.26 lays out its <nix/derivation-internal.nix>,
  line for line: error traces and `builtins.unsafeGetAttrPos` show positions and lines of
  this file, and they must be the ones the reference shows.

  Names used:
    drvAttrs      the attributes given to `derivation`
    strict        what `derivationStrict` makes of them: `drvPath` and one path per output
    commonAttrs   what every output's set shares
    outputsList   one { name; value; } per output, in the order `outputs` gives them

  `outputs` is read here only to list the outputs; `derivationStrict` checks it (an empty
  list, a name given twice) and reports what is wrong with it, with the attribute's own
  position. The result is the first output's set; asking it for `type` or `outPath` does
  not run `derivationStrict` for `type`, only for the paths.
  This file is evaluated once per evaluator, when it is made.
*/
drvAttrs@{
  outputs ? [ "out" ],
  ...
}:

let

  strict = derivationStrict drvAttrs;

  commonAttrs =
    drvAttrs
    // (builtins.listToAttrs outputsList)
    // {
      all = map (x: x.value) outputsList;
      inherit drvAttrs;
    };

  outputToAttrListElement = outputName: {
    name = outputName;
    value = commonAttrs // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };

  outputsList = map outputToAttrListElement outputs;

in
(builtins.head outputsList).value
