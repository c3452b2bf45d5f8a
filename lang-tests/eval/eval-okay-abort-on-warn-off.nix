builtins.warn "w" 1
