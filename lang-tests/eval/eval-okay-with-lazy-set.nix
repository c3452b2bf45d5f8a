# The with set is not evaluated when every name resolves statically.
let x = 1; in with (throw "not evaluated"); x + 1
