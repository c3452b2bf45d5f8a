(builtins.tryEval { a = 1; b = throw "x"; }).value.a
