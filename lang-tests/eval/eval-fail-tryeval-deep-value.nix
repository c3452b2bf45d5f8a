(builtins.tryEval { a = throw "deep"; }).value
