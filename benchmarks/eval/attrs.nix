# Big attribute sets: listToAttrs, mapAttrs, attrNames, attrValues, // merges, ? and select.
# bench: full n=30000, smoke n=100
{ n }:
let
  inherit (builtins) genList listToAttrs mapAttrs attrNames attrValues foldl' length;
  names = genList (i: "key${toString i}") n;
  table = listToAttrs (map (name: { inherit name; value = builtins.stringLength name; }) names);
  doubled = mapAttrs (name: v: v * 2) table;
  merged = table // doubled // { extra = 1; key0 = 42; };
  # Many small merges, as overlays and option definitions do.
  layered = foldl' (acc: i: acc // { "k${toString (i - i / 64 * 64)}" = i; }) { } (genList (i: i) (n / 10));
  lookups = foldl' (acc: name: acc + table.${name} + (merged.${name} or 0)) 0 names;
  present = length (builtins.filter (name: layered ? ${name}) (genList (i: "k${toString i}") 100));
  nested = listToAttrs (genList (i: { name = "n${toString i}"; value = { a.b.c = i; }; }) (n / 10));
  deep = foldl' (acc: name: acc + nested.${name}.a.b.c + (nested.${name}.a.x or 1)) 0 (attrNames nested);
  has = length (builtins.filter (name: nested ? ${name}.a.b) (attrNames nested));
in
{
  inherit lookups present deep has;
  size = length (attrNames merged);
  total = foldl' (a: b: a + b) 0 (attrValues doubled);
  first = builtins.head (attrNames table);
  inherit (merged) key0 extra;
  layered = length (attrNames layered);
}
