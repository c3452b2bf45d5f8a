[ (builtins.typeOf builtins) (builtins ? map) (builtins ? builtins) (builtins.builtins.builtins ? head) (builtins.isAttrs builtins.builtins) (builtins ? nonexistent) ]
