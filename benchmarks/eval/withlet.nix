# with/let heavy code: nested with, rec sets, many let bindings, inherit.
# bench: full n=40000, smoke n=100
{ n }:
let
  ops = rec {
    add = a: b: a + b;
    mul = a: b: a * b;
    inc = add 1;
    square = x: mul x x;
    twice = f: x: f (f x);
  };
  consts = { offset = 3; scale = 2; };
  step = i:
    with ops;
    let
      a = inc i;
      b = square a;
      c = twice inc b;
    in
    with consts;
    let
      d = add c offset;
      e = mul d scale;
      f = e - b;
      g = let h = f + a; k = h * 2; in k - h;
    in
    g + (with { offset = 1; }; offset);
  config = i: rec {
    x = i;
    y = x + 1;
    z = y * 2;
    sub = { inherit x y z; w = z + y; };
    total = sub.w + sub.x;
  };
  results = builtins.genList step n;
  configs = builtins.genList (i: (config i).total) (n / 2);
in
{
  steps = builtins.foldl' (a: b: a + b) 0 results;
  configs = builtins.foldl' (a: b: a + b) 0 configs;
  last = builtins.elemAt results (n - 1);
}
