[ (toString == builtins.toString) (builtins.isFunction toString) (toString (toString 1)) ]
