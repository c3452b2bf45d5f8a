# Sets with type = "derivation" print as <derivation>, each drvPath once; the others and the
# ones without a drvPath are <repeated />.
rec {
  a = { type = "derivation"; drvPath = "/d/x.drv"; outPath = "/o/x"; name = "x"; };
  b = [ a a { type = "derivation"; drvPath = "/d/y.drv"; } ];
  c = { type = "derivation"; name = "no-drv-path"; };
  d = { type = "derivation"; drvPath = 1; outPath = [ ]; };
  e = { type = "not-a-derivation"; drvPath = "/d/x.drv"; };
}
