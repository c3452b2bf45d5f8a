builtins.length (throw "the list")
