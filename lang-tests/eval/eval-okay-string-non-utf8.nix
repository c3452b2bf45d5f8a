# A byte that is not UTF-8 passes through unchanged and counts as one byte.
[ "café" (builtins.stringLength "café") ]
