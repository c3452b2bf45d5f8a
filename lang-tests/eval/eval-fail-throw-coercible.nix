throw { __toString = _: "from __toString"; }
