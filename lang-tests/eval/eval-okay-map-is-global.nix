[ (map == builtins.map) (builtins.isFunction map) ]
