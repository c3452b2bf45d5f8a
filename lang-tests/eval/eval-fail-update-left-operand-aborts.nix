(builtins.abort "left") // { }
