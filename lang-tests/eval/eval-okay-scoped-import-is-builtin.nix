[ (builtins.isFunction scopedImport) (builtins.isFunction builtins.scopedImport) ]
