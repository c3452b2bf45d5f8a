toString { __toString = self: [ "a" ]; }
