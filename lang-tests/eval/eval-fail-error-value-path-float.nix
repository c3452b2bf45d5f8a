builtins.attrNames [ ./p 1.5 null true "s\n" ]
