# Calls and recursion: naive Fibonacci, as a plain lambda, curried, and with formals.
# bench: full n=27, smoke n=8
{ n }:
let
  fib = k: if k < 2 then k else fib (k - 1) + fib (k - 2);
  # Two arguments, one at a time: a call returning a lambda, then a call of that.
  fibAcc = a: b: k: if k == 0 then a else fibAcc b (a + b) (k - 1);
  # Formals with a default, as most nixpkgs functions take their arguments.
  fibArgs = { k, depth ? 0 }:
    if k < 2 then k else fibArgs { k = k - 1; depth = depth + 1; } + fibArgs { k = k - 2; };
in
{
  plain = fib n;
  curried = builtins.genList (fibAcc 0 1) (n * 3);
  formals = fibArgs { k = n - 2; };
}
