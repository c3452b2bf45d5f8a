builtins.trace "a message" (builtins.trace 42 (builtins.trace { a = 1; l = [ 2 ]; } "the value"))
