# Which builtins are also global names, without builtins. in front.
[ (builtins.isFunction import) (builtins.isFunction map) (builtins.isFunction toString) (builtins.isFunction throw) (builtins.isFunction abort) (builtins.isFunction scopedImport) (builtins.isFunction removeAttrs) (builtins.isFunction baseNameOf) (builtins.isFunction isNull) ]
