[ builtins.langVersion builtins.nixVersion (builtins.typeOf builtins.langVersion) ]
