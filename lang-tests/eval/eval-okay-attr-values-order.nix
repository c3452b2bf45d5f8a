builtins.attrValues { "z" = "z"; "B" = "B"; "a" = "a"; "_" = "_"; "1" = "1"; }
