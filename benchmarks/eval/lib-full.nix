# Real nixpkgs library code through the whole of lib, as nixpkgs uses it: `import` of
# lib/default.nix, then functions from lists, strings, attrsets, trivial and fixed-points.
# bench: full n=30000, smoke n=40, corpus
{ n }:
let
  lib = import ./nixpkgs-lib/lib;
  inherit (lib) range foldl' pipe;
  xs = range 1 n;
  names = map (i: "item${toString i}") xs;
  table = lib.genAttrs names (name: lib.stringLength name);
  filtered = lib.filterAttrs (name: v: lib.hasSuffix "7" name) table;
  listed = lib.mapAttrsToList (name: v: "${name}=${toString v}") filtered;
  merged = lib.recursiveUpdate { a.b.c = 1; a.d = [ 1 ]; } { a.b.e = 2; f = 3; };
  deep = lib.setAttrByPath [ "x" "y" "z" ] n;
  pipeline = pipe xs [
    (map (x: x * 3))
    (builtins.filter (x: lib.mod x 2 == 0))
    (lib.take 50)
    (lib.foldr (a: b: a + b) 0)
  ];
  text = lib.concatMapStringsSep ", " (name: lib.removePrefix "item" name) (lib.take 200 names);
  depth = lib.min (n / 20) 300;
  base = lib.makeExtensible (final: { a0 = 1; });
  overlays = builtins.genList (i: final: prev: { "a${toString (i + 1)}" = prev."a${toString i}" + final.a0; }) depth;
  extended = base.extend (lib.composeManyExtensions overlays);
in
{
  inherit merged deep pipeline;
  filtered = builtins.length listed;
  sample = lib.head listed;
  text = lib.stringLength text;
  prefix = lib.substring 0 30 text;
  unique = builtins.length (lib.unique (map (x: lib.mod x 101) (lib.take (n / 3) xs)));
  extended = extended."a${toString depth}";
  optional = lib.optionalString (n > 1) "yes" + lib.boolToString (lib.isList xs);
}
