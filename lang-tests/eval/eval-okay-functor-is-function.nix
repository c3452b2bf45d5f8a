let s = { __functor = self: x: x; }; in [ (builtins.isFunction s) (builtins.typeOf s) (builtins.isAttrs s) ]
