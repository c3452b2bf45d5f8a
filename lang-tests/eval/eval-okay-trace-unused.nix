let x = builtins.trace "never printed" 1; in 2
