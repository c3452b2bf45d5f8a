[ builtins.currentSystem (builtins.typeOf builtins.currentSystem) ]
