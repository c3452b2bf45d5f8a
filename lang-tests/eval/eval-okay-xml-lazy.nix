# --xml without --strict: what is not evaluated yet is <unevaluated />, like builtins.
rec {
  sum = 1 + 1; list = [ (1 + 1) 2 ]; primop = builtins.add; partial = builtins.add 1;
  float = 1.0e30; small = 1.5e-7; big = 123456789.0; neg = -3; str = "a\tb";
  set = { }; empty = [ ]; yes = true; nothing = null; forced = builtins.seq sum sum;
  drv = { type = "derivation"; drvPath = "x"; };
}
