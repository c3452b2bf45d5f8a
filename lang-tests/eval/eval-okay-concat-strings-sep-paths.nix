builtins.concatStringsSep ":" [ (toString ./a) (toString ./b) ]
