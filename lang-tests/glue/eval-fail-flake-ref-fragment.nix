builtins.parseFlakeRef "git+file:///x#frag"
