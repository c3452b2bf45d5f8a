builtins.elem 1 "list"
