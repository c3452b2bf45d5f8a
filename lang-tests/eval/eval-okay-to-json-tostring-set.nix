builtins.toJSON { __toString = self: "string form"; a = 1; }
