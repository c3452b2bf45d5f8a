# A value in an error message prints unevaluated parts as «thunk».
builtins.attrNames [ (1 + 1) { a = 2 * 2; } ]
