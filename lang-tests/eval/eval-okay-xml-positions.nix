# Which attributes have a position in XML: those written in a file, and those that
# listToAttrs, //, removeAttrs, intersectAttrs and functionArgs keep; not mapAttrs' or
# fromJSON's.
let s = { a = 1; b.c = 2; ${"d"} = 3; "q r" = 4; }; in
{
  inherit s;
  mapped = builtins.mapAttrs (n: v: v) s;
  listed = builtins.listToAttrs [ { name = "x"; value = 1; } { value = 2; name = "y"; } ];
  updated = s // { z = 1; a = 0; } // builtins.mapAttrs (n: v: v) { q = 1; };
  removed = builtins.removeAttrs s [ "a" ];
  intersected = builtins.intersectAttrs { a = null; } s;
  args = builtins.functionArgs ({ k, l ? 1 }: k);
  json = builtins.fromJSON ''{"j": 1}'';
  unicode = { "é" = 1; e = 2; "Z" = 3; };
}
