# Real nixpkgs library code: lib/lists.nix, lib/fixed-points.nix and lib/asserts.nix, tied
# into a small `lib` of their own (the whole of lib needs builtins that lib-full.nix lists).
# bench: full n=3000, smoke n=40, corpus
{ n }:
let
  lib = {
    lists = import ./nixpkgs-lib/lib/lists.nix { inherit lib; };
    fixedPoints = import ./nixpkgs-lib/lib/fixed-points.nix { inherit lib; };
    asserts = import ./nixpkgs-lib/lib/asserts.nix { inherit lib; };
    inherit (lib.lists) foldr;
    inherit (lib.asserts) assertMsg;
    # lists.nix takes these from trivial.nix; written out here to keep trivial.nix out.
    trivial = {
      min = a: b: if a < b then a else b;
      id = x: x;
      warn = _msg: value: value;
    };
    max = a: b: if a > b then a else b;
  };
  inherit (lib.lists)
    foldr foldl range reverseList take drop last init unique count findFirst
    zipListsWith intersectLists subtractLists replicate toList optional sublist
    ;
  inherit (lib.fixedPoints) fix makeExtensible composeManyExtensions;
  xs = range 1 n;
  # foldr and foldl recurse once per element: keep each list short, use many of them.
  windows = builtins.genList (i: range i (i + 200)) (n / 10);
  folded = builtins.foldl' (acc: w: acc + foldr (x: s: s + x) 0 w - foldl (s: x: s + x) 0 w) 0 windows;
  reversed = reverseList xs;
  middle = take 10 (drop (n / 2) reversed);
  dedup = unique (map (x: x - x / 97 * 97) (take (n / 3) xs));
  odd = count (x: x - x / 2 * 2 == 1) xs;
  firstBig = findFirst (x: x * x > n * 7) null xs;
  pairs = zipListsWith (a: b: a * b) xs reversed;
  common = intersectLists (range 1 50) (map (x: x * 3) (take 200 xs));
  rest = subtractLists (range 1 100) (take 150 xs);
  # An extensible set with a chain of overlays, as nixpkgs' package sets are built.
  base = makeExtensible (final: { a0 = 1; total = builtins.foldl' (s: i: s + final."a${toString i}") 0 (range 0 (n / 20)); });
  overlays = builtins.genList (i: final: prev: { "a${toString (i + 1)}" = prev."a${toString i}" + final.a0; }) (n / 20);
  extended = base.extend (composeManyExtensions overlays);
  fibs = fix (self: [ 1 1 ] ++ builtins.genList (i: builtins.elemAt self i + builtins.elemAt self (i + 1)) 60);
in
{
  inherit folded middle odd firstBig common;
  dedup = builtins.length dedup;
  pairs = builtins.foldl' (a: b: a + b) 0 pairs;
  rest = builtins.length rest;
  last = last xs;
  init = builtins.length (init xs);
  sub = sublist 3 4 xs;
  small = [ (toList 1) (optional true 2) (replicate 3 "x") ];
  total = extended.total;
  fib = last fibs;
}
