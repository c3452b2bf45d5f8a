# Derivations as package sets make them: a chain where each depends on the one before, a wide
# fan-in of many into one, each with a dozen attributes (strings, lists, numbers, Booleans,
# interpolated outputs), and sources copied into the store from path values.
# bench: full n=2000, smoke n=20
{ n }:
let
  inherit (builtins) genList foldl' length map elemAt;
  sources = map (i: ./derivation-sources + "/file${toString (i - i / 8 * 8)}.txt") (genList (x: x) 8);
  mk = i: deps: derivation {
    name = "pkg-${toString i}";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-e" "-c" "echo building ${toString i}" ];
    version = "1.${toString i}";
    buildInputs = deps;
    src = elemAt sources (i - i / 8 * 8);
    enableParallelBuilding = true;
    doCheck = i - i / 2 * 2 == 0;
    meta_description = "package number ${toString i}";
    configureFlags = [ "--prefix=$out" "--with-n=${toString i}" ];
    NIX_CFLAGS_COMPILE = "-O2 -DN=${toString i}";
    outputs = [ "out" "dev" ];
  };
  chain = foldl' (prev: i: [ (mk i prev) ]) [ ] (genList (x: x) n);
  leaves = genList (i: mk (n + i) [ ]) n;
  fanIn = mk (2 * n) leaves;
in
{
  chainTop = (elemAt chain 0).drvPath;
  fanIn = fanIn.drvPath;
  fanInDev = fanIn.dev.outPath;
  count = length leaves;
}
