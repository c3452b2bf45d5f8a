# Fixed outputs: every way of giving the hash, both modes, and the paths they give.
let
  fod = attrs: (derivation ({ name = "fixed"; system = "x"; builder = "/bin/sh"; } // attrs));
  empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
in
map (a: let d = fod a; in [ d.outPath d.drvPath ]) [
  { outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; }
  { outputHash = empty; outputHashAlgo = "sha256"; }
  { outputHash = "sha256:${empty}"; }
  { outputHash = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"; outputHashAlgo = "sha256"; }
  { outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; outputHashMode = "recursive"; }
  { outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; outputHashMode = "flat"; }
  { outputHash = "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk="; }
  { outputHash = "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk="; outputHashMode = "recursive"; }
  { outputHash = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="; }
  { outputHash = "md5-1B2M2Y8AsgTpgAmY7PhCfg=="; }
]
