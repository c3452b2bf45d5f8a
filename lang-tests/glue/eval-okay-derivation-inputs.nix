# Inputs from string contexts: outputs of other derivations and sources.
let
  a = derivation { name = "a"; system = "x"; builder = "/bin/sh"; outputs = [ "out" "lib" ]; };
  b = derivation { name = "b"; system = "x"; builder = "${a}/bin/sh"; lib = a.lib; };
  c = derivation {
    name = "c";
    system = "x";
    builder = "/bin/sh";
    deps = [ a b "${./src}" ];
    file = builtins.toFile "conf" "src = ${./src}";
  };
  discarded = derivation {
    name = "d";
    system = "x";
    builder = "/bin/sh";
    dep = builtins.unsafeDiscardStringContext "${a}";
  };
in
[ a.drvPath b.drvPath c.drvPath c.outPath discarded.drvPath (builtins.getContext c.file) ]
