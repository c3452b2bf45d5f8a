map builtins.fromJSON [ "1" "-1" "1.5" "1e3" "1E-2" "0" "-0" "true" "false" "null" ''"s"'' "  7  " "1.0" ]
