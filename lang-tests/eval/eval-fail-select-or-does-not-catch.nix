# `or` only covers a missing attribute, not an error in its value.
{ a = throw "the value throws"; }.a or "default"
