let
  s1 = { __toString = self: "from toString"; };
  s2 = { outPath = "from outPath"; };
  s3 = { outPath = { outPath = "nested outPath"; }; };
  s4 = { __toString = self: self.v; v = "self ${"value"}"; };
  s5 = { __toString = self: s2; };
in
[ "${s1}" "${s2}" "${s3}" "${s4}" "${s5}" ]
