let s = { self = s; v = 1; }; in builtins.deepSeq s "cycles end"
