builtins.parseFlakeRef "github:a"
