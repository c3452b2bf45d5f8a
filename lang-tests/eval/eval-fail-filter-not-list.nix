builtins.filter (x: true) "list"
