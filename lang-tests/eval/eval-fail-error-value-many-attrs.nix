builtins.length (builtins.listToAttrs (builtins.genList (i: { name = "attr${toString i}"; value = i; }) 25))
