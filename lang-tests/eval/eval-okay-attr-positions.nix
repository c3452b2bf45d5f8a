# unsafeGetAttrPos: where each kind of attribute definition is, and which builtins keep it.
let s = { a = 1; b.c = "x"; ${"d"} = 2.5; inherit (t) a2; b.e = 1; "q r" = 2; };
    t = { a2 = 1; }; x = 1;
    pos = builtins.unsafeGetAttrPos; in
{
  plain = pos "a" s; dynamic = pos "d" s; quoted = pos "q r" s;
  nested = pos "c" s.b; nestedParent = pos "b" s; nestedSecond = pos "e" s.b;
  inheritFrom = pos "a2" s;
  inherit_ = pos "x" { inherit x; };
  missing = pos "nope" s;
  recursive = pos "a" (rec { a = 1; });
  listToAttrs = pos "q" (builtins.listToAttrs [ { name = "q"; value = 1; } ]);
  mapAttrs = pos "a" (builtins.mapAttrs (n: v: v) s);
  updateRight = pos "z" (s // { z = 1; });
  updateLeft = pos "a" (s // { z = 1; });
  updateOverride = pos "a" (s // { a = 2; });
  updatePlainRight = pos "a" (s // builtins.mapAttrs (n: v: v) { a = 1; });
  removeAttrs = pos "a" (builtins.removeAttrs s [ "b" ]);
  intersectAttrs = pos "a" (builtins.intersectAttrs { a = 1; } s);
  functionArgs = pos "x" (builtins.functionArgs ({ x }: x));
  fromJSON = pos "a" (builtins.fromJSON ''{"a":1}'');
  nestedTwice = pos "x" { x.y = 1; x.z = 2; };
  setThenNested = pos "a" { a = { }; a.b = 1; };
  zipAttrsWith = pos "a" (builtins.zipAttrsWith (n: v: v) [ { a = 1; } ]);
  overrides = pos "a" (rec { a = 1; __overrides = { a = 2; }; });
  overridesKept = pos "b" (rec { b = 1; __overrides = { a = 2; }; });
  curPos = __curPos;
}
