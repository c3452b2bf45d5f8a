# The attribute set `derivation` gives, strictly printed; outputs see each other.
let
  d = derivation { name = "basic"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo" ]; };
in
{
  inherit d;
  type = d.type;
  names = builtins.attrNames d;
  outPath = d.outPath;
  drvPath = d.drvPath;
  str = "${d}";
  ctx = builtins.getContext "${d}";
  drvCtx = builtins.getContext d.drvPath;
  isDrv = builtins.isAttrs d && d.type == "derivation";
}
