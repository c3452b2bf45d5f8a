builtins.substring 1 2.0 "abc"
