# With the experimental feature pipe-operators: `a |> f` is `f a`, `f <| a` is `f a`; both
# bind more loosely than any other operator (even `->`), `|>` to the left, `<|` to the right.
let
  inc = x: x + 1;
  double = x: x * 2;
  add = a: b: a + b;
in
{
  into = 1 |> inc |> double;
  from = inc <| double <| 1;
  chained = [ 1 2 3 ] |> map double |> builtins.foldl' add 0;
  partial = 5 |> add 10;
  partialFrom = add 10 <| 5;
  belowArithmetic = 1 + 2 |> inc;
  belowImplication = false -> true |> (b: !b);
  belowUpdate = { a = 1; } // { b = 2; } |> builtins.attrNames;
  belowConcat = [ 1 ] ++ [ 2 ] |> builtins.length;
  belowComparison = 1 < 2 |> (b: if b then "yes" else "no");
  hasAttr = { a = 1; } |> (s: s ? a);
  negation = 3 |> (x: -x) |> double;
  parenthesised = (1 |> inc) * 10;
  nested = 2 |> (add <| double <| 3);
  inLambda = (x: x |> inc |> double) 4;
  inList = [ (1 |> inc) (inc <| 1) ];
  inInterpolation = "${"a" |> (s: s + "b")}";
  inIf = if true |> (b: !b) then "then" else 1 |> inc;
  inLet = let x = 1 |> inc; in x |> double;
  withDefault = ({ y ? 2 |> inc }: y) { };
  selectOr = { } |> (s: s.x or "none");
}
