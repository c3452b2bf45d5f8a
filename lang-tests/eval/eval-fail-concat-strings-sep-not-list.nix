builtins.concatStringsSep ", " "a"
