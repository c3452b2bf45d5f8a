with { }; if false then not-defined-anywhere else "fine"
