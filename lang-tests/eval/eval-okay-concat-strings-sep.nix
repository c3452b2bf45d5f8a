[
  (builtins.concatStringsSep ", " [ "a" "b" "c" ]) (builtins.concatStringsSep "" [ "a" "b" ])
  (builtins.concatStringsSep "-" [ ]) (builtins.concatStringsSep "-" [ "one" ])
  (builtins.concatStringsSep "/" [ "" "" ]) (builtins.concatStringsSep "x" [ { outPath = "o"; } "p" ])
]
