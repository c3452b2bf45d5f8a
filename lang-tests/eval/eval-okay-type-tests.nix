let values = [ 1 1.0 "s" ./p true null [ ] { } (x: x) builtins.map ]; test = f: map f values; in {
  isInt = test builtins.isInt; isFloat = test builtins.isFloat; isString = test builtins.isString;
  isPath = test builtins.isPath; isBool = test builtins.isBool; isNull = test builtins.isNull;
  isList = test builtins.isList; isAttrs = test builtins.isAttrs; isFunction = test builtins.isFunction;
}
