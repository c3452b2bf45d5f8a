[ (import == builtins.import) (builtins.isFunction import) (builtins.typeOf import) ]
