# Laziness: large structures of which little is forced, and deep chains of thunks.
# bench: full n=100000, smoke n=300
{ n }:
let
  inherit (builtins) genList listToAttrs elemAt length attrNames foldl';
  expensive = i: foldl' (a: b: a + b) 0 (genList (j: i * j) 1000);
  # n expensive elements and n expensive attributes: only a few are ever forced.
  values = genList expensive n;
  table = listToAttrs (genList (i: { name = "a${toString i}"; value = expensive i; }) n);
  lazyMap = map (x: x + 1) values;
  # Each element needs the one before it: forcing the last forces a chain of thunks.
  chain = genList (i: if i == 0 then 0 else elemAt chain (i - 1) + 1) (n / 20);
  # An infinite stream, of which a prefix is taken.
  from = i: { head = i; tail = from (i + 1); };
  take = k: s: if k == 0 then [ ] else [ s.head ] ++ take (k - 1) s.tail;
  # A long let-chain of thunks, each defined through the last.
  ladder = foldl' (prev: i: { value = prev.value + i; }) { value = 0; } (genList (i: i) (n / 2));
  unused = throw "never forced";
in
{
  picked = elemAt values 17 + elemAt lazyMap 99;
  table = table.a42;
  count = length values + length (attrNames table);
  chain = elemAt chain (n / 20 - 1);
  stream = take 200 (from 5);
  ladder = ladder.value;
  lazyArg = (x: y: x) 1 unused;
}
