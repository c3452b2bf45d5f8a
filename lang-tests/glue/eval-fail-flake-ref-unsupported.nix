builtins.parseFlakeRef "bogus:thing"
