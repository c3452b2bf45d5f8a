[ (builtins.stringLength "") (builtins.stringLength "abc") (builtins.stringLength "a\nb") (builtins.stringLength ''
  x
'') (builtins.stringLength "${"12"}${"345"}") ]
