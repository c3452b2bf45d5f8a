# Every kind of value in the environment, as derivationStrict turns it into text.
builtins.derivationStrict {
  name = "env";
  system = "x86_64-linux";
  builder = "/bin/sh";
  int = 42;
  neg = -7;
  float = 1.5;
  float2 = 0.1;
  true' = true;
  false' = false;
  null' = null;
  list = [ 1 "two" null true false [ 3 [ 4 ] ] 2.5 ];
  str = "text with \"quotes\" and\nnewlines\tand tabs";
  unicode = "héllo wörld ☃";
  empty = "";
  drvLike = { outPath = "/some/out/path"; };
  toStr = { __toString = self: "from toString"; };
  path = ./src/a.txt;
  pathInList = [ ./src/a.txt ./src ];
  dir = ./src;
  args = [ "-e" 1 true null ./src/a.txt ];
}
