# Several outputs: each one's set, `all`, `outputName`, and the paths of each.
let
  d = derivation {
    name = "multi";
    system = "x86_64-linux";
    builder = "/bin/sh";
    outputs = [ "out" "dev" "doc" ];
  };
in
{
  outs = map (o: o.outPath) d.all;
  names = map (o: o.outputName) d.all;
  dev = d.dev.outPath;
  devOut = d.dev.out.outPath;
  first = d.outputName;
  same = d.dev.drvPath == d.drvPath;
  spaced = (builtins.derivationStrict { name = "s"; system = "x"; builder = "/b"; outputs = "out  bin"; }).bin;
}
