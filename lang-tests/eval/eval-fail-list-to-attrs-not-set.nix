builtins.listToAttrs [ "a" ]
