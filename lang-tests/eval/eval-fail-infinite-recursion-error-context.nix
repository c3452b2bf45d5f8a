# A value that needs itself, forced by addErrorContext: C++ Nix gives builtins no position,
# so the infinite recursion has none.
let x = builtins.addErrorContext "while computing x" x; in x
