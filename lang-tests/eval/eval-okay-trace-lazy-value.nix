builtins.trace { a = 1 + 1; } "traced"
