# Big lists: genList, map, filter, foldl', concatLists, ++, elem, elemAt, length.
# bench: full n=60000, smoke n=200
{ n }:
let
  inherit (builtins) genList filter foldl' concatLists elem elemAt length;
  xs = genList (i: i * 7 + 3) n;
  squares = map (x: x * x) xs;
  evens = filter (x: x / 2 * 2 == x) squares;
  sum = foldl' (acc: x: acc + x) 0 evens;
  rows = genList (i: genList (j: i + j) 10) (n / 10);
  flat = concatLists rows;
  probe = genList (i: i * 97) 30;
  hits = length (filter (x: elem x probe) flat);
  joined = xs ++ squares ++ flat;
  maxOf = foldl' (m: x: if x > m then x else m) 0 joined;
in
{
  inherit sum hits maxOf;
  evens = length evens;
  flat = length flat;
  joined = length joined;
  last = elemAt joined (length joined - 1);
  found = [ (elem (7 * (n / 2) + 3) xs) (elem (-1) xs) ];
  sample = genList (i: elemAt squares (i * (n / 10))) 10;
}
