let
  a = builtins.toFile "a.txt" "hello\n";
  b = builtins.toFile "b.sh" "cat ${a}\n";
in
{
  inherit a b;
  ctx = builtins.getContext b;
  empty = builtins.toFile "empty" "";
  viaDrv = (derivation { name = "t"; system = "x"; builder = "/bin/sh"; script = b; }).drvPath;
}
