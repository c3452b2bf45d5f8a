# __structuredAttrs: the attributes go into one JSON document.
let
  d = derivation {
    name = "structured";
    system = "x86_64-linux";
    builder = "/bin/sh";
    __structuredAttrs = true;
    outputs = [ "out" "bin" ];
    num = 3;
    fl = 2.5;
    nested = { list = [ 1 null "s" { x = true; } ]; str = "é\n\"q\""; };
    path = ./src/a.txt;
    dep = "${derivation { name = "x"; system = "x"; builder = "/bin/sh"; }}";
  };
in
[ d.drvPath d.outPath d.bin.outPath ]
