# x and y are not bound here: only scopedImport can provide them.
[ x y (builtins.typeOf builtins) ]
